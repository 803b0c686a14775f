import { promisify } from "node:util";
import { brotliDecompress, gunzip, type ZlibOptions } from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";

type Decompressor = (bytes: Uint8Array, options: ZlibOptions) => Promise<Buffer>;

/** By the names connect-node's `compressionGzip` and `compressionBrotli` use on the wire. */
const DECOMPRESSORS = new Map<string, Decompressor>([
  ["gzip", promisify(gunzip)],
  ["br", promisify(brotliDecompress)],
]);

/** Whether {@link decompress} reads `encoding` (gzip or br). */
export function canDecompress(encoding: string): boolean {
  return DECOMPRESSORS.has(encoding);
}

/**
 * Decompresses bytes sent with `encoding`, never inflating past `readMaxBytes`: RESOURCE_EXHAUSTED when they
 * would, INVALID_ARGUMENT naming the encoding when they are not in it. Runs on zlib's thread pool, so that a
 * large body does not hold up other requests.
 *
 * @example
 * const body = await decompress(bytes, request.header.get("content-encoding") ?? "identity", 4 * 1024 * 1024);
 */
export async function decompress(bytes: Uint8Array, encoding: string, readMaxBytes: number): Promise<Uint8Array> {
  const decompressor = DECOMPRESSORS.get(encoding);
  // An empty body is the empty message, whatever the encoding (as in connect-node).
  if (!decompressor || bytes.byteLength === 0) return bytes;
  try {
    return await decompressor(bytes, { maxOutputLength: readMaxBytes });
  } catch (err) {
    if ((err as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ConnectError(`request is larger than the limit of ${readMaxBytes} bytes once decompressed`, Code.ResourceExhausted);
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConnectError(`request body is not valid ${encoding}: ${reason}`, Code.InvalidArgument);
  }
}
