import { Code, ConnectError } from "@connectrpc/connect";

/** How a call ended: "OK", or the name of its status code (`Unauthenticated`...), for tables of expectations. */
export async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (err) {
    return Code[ConnectError.from(err).code];
  }
}
