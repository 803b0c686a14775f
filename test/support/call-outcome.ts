import { Code, ConnectError } from "@connectrpc/connect";

/** How a call ended: "OK" (message "") or the name of its status code (`Unauthenticated`...) and its message. */
export async function callOutcome(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
    return { code: "OK", message: "" };
  } catch (err) {
    const error = ConnectError.from(err);
    return { code: Code[error.code], message: error.rawMessage };
  }
}

/** Just the code name of {@link callOutcome}, for tables of expectations. */
export async function outcome(call: Promise<unknown>): Promise<string> {
  return (await callOutcome(call)).code;
}
