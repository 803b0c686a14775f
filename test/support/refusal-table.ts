import type { Code } from "@connectrpc/connect";
import type { FlagClient } from "../../src/client/create-flag-client.js";

/** One refused request of a bad-input table: the RPC, what is wrong with it, the status and message it must get. */
export interface RefusalRow {
  rpc: string;
  input: string;
  code: Code;
  message: RegExp;
  call: (client: FlagClient) => Promise<unknown>;
}

/**
 * A row builder per expected code, so each row reads: RPC, what is wrong, the message it must get, the call.
 *
 * @example
 * const invalid = expecting(Code.InvalidArgument);
 * invalid("CreateFeature", "empty name", /feature name is empty/, (c) => c.createFeature({ name: "" }));
 */
export const expecting =
  (code: Code) =>
  (rpc: string, input: string, message: RegExp | string, call: RefusalRow["call"]): RefusalRow => ({
    rpc,
    input,
    code,
    message: typeof message === "string" ? new RegExp(message) : message,
    call,
  });
