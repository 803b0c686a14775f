import type { DescMessage } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import { decodeRequest } from "../decode-request.js";
import { decompress } from "./decompress.js";
import { errorResponse, type Refusal } from "./routing-refusal.js";

/**
 * Checks the protobuf message of a Connect GET (`?encoding=proto&message=…`), which travels in the query
 * rather than the body: bytes that are not a valid message get INVALID_ARGUMENT, as they do in a POST
 * (connect-es itself would answer INTERNAL). JSON messages are left to connect, which already refuses
 * them with INVALID_ARGUMENT.
 */
export async function checkGetMessage(url: URL, input: DescMessage, readMaxBytes: number): Promise<Refusal | undefined> {
  const query = url.searchParams;
  const message = query.get("message");
  if (query.get("encoding") !== "proto" || message === null) return undefined;
  try {
    // Read the bytes exactly as connect will: base64 when base64=1, else the parameter's UTF-8.
    const raw = query.get("base64") === "1" ? Buffer.from(message, "base64url") : new TextEncoder().encode(message);
    decodeRequest(input, await decompress(raw, query.get("compression") ?? "identity", readMaxBytes));
    return undefined;
  } catch (err) {
    const error = ConnectError.from(err);
    return { error, response: errorResponse(codeToHttpStatus(error.code), error) };
  }
}
