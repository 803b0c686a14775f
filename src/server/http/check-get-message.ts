import type { DescMessage } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import { decodeRequest } from "../decode-request.js";
import { checkUtf8 } from "./check-utf8.js";
import { decompress } from "./decompress.js";
import { errorResponse, type Refusal } from "./routing-refusal.js";

/**
 * Checks the message of a Connect GET (`?encoding=proto|json&message=…`), which travels in the query rather than
 * the body, as a POST body is checked: protobuf bytes that are not a valid message, and JSON that is not UTF-8,
 * get INVALID_ARGUMENT (connect-es itself would answer INTERNAL, or read the JSON's bad bytes as U+FFFD).
 * Other bad JSON is left to connect, which already refuses it with INVALID_ARGUMENT.
 */
export async function checkGetMessage(url: URL, input: DescMessage, readMaxBytes: number): Promise<Refusal | undefined> {
  const query = url.searchParams;
  const message = query.get("message");
  const encoding = query.get("encoding");
  if ((encoding !== "proto" && encoding !== "json") || message === null) return undefined;
  try {
    // Read the bytes as connect will: base64 when base64=1, else the parameter's UTF-8. URLSearchParams has already
    // turned percent-encoded bytes that are not UTF-8 into U+FFFD, so JSON is checked in the raw query.
    const base64 = query.get("base64") === "1";
    const raw = base64 ? Buffer.from(message, "base64url") : encoding === "json" ? rawParam(url.search, "message") : new TextEncoder().encode(message);
    const bytes = await decompress(raw, query.get("compression") ?? "identity", readMaxBytes);
    if (encoding === "proto") decodeRequest(input, bytes);
    else checkUtf8(bytes);
    return undefined;
  } catch (err) {
    const error = ConnectError.from(err);
    return { error, response: errorResponse(codeToHttpStatus(error.code), error) };
  }
}

/** The bytes of the first `name` parameter of a raw query string (`?a=1&b=%FF`), percent-decoded and `+` as space. */
function rawParam(search: string, name: string): Uint8Array {
  for (const pair of search.replace(/^\?/, "").split("&")) {
    const eq = pair.indexOf("=");
    if (eq < 0 || pair.slice(0, eq) !== name) continue;
    const value = pair.slice(eq + 1).replaceAll("+", " ");
    const bytes: number[] = [];
    for (let i = 0; i < value.length; i++) {
      const hex = value[i] === "%" ? value.slice(i + 1, i + 3) : "";
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(value[i] as string));
      }
    }
    return Uint8Array.from(bytes);
  }
  return new Uint8Array(0);
}
