import { ConnectError } from "../../src/client/web.js";

/** The server's own words for a refusal (its message without the code prefix), for showing beside the action. */
export function errorMessage(error: unknown): string {
  if (error instanceof ConnectError) return error.rawMessage || error.message;
  return error instanceof Error ? error.message : String(error);
}
