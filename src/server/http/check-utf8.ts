import { isUtf8 } from "node:buffer";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Refuses JSON bytes that are not UTF-8 with INVALID_ARGUMENT naming the first bad byte and its offset.
 *
 * connect-es reads JSON with a non-fatal TextDecoder, so such bytes would be stored as U+FFFD, while binary
 * protobuf refuses the same bytes in a string field. `isUtf8` runs natively without copying; the byte-by-byte
 * search for the offset runs only for a request that is refused.
 *
 * @example
 * checkUtf8(await readBody(request)); // throws ConnectError(InvalidArgument) when not UTF-8
 */
export function checkUtf8(bytes: Uint8Array): void {
  if (isUtf8(bytes)) return;
  const at = firstInvalidOffset(bytes);
  const byte = (bytes[at] ?? 0).toString(16).padStart(2, "0");
  throw new ConnectError(`request is not valid UTF-8: byte 0x${byte} at offset ${at} (JSON must be UTF-8)`, Code.InvalidArgument);
}

/** Where the first sequence that is not UTF-8 starts; only called for bytes that are not UTF-8. */
function firstInvalidOffset(bytes: Uint8Array): number {
  for (let at = 0; at < bytes.byteLength; ) {
    const lead = bytes[at] as number;
    // The length a sequence starting with this byte would have; isUtf8 then rules on overlongs and surrogates.
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || !isUtf8(bytes.subarray(at, at + length)) || at + length > bytes.byteLength) return at;
    at += length;
  }
  return bytes.byteLength;
}
