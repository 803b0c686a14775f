import { Code, ConnectError } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import type { Compression } from "@connectrpc/connect/protocol";

/** The encodings the HTTP port reads and writes: connect-node's own, for its router and for our checks alike. */
export const COMPRESSIONS: readonly Compression[] = [compressionGzip, compressionBrotli];

/** connect-node's compression named `encoding` on the wire (`gzip`, `br`); undefined for identity and the unknown. */
export function findCompression(encoding: string | null): Compression | undefined {
  return COMPRESSIONS.find((compression) => compression.name === encoding);
}

/**
 * Decompresses bytes sent with `encoding` by connect-node's own decompressors, which never inflate past
 * `readMaxBytes` and run on zlib's thread pool. Their errors are restated for the client: RESOURCE_EXHAUSTED
 * naming the limit, and INVALID_ARGUMENT naming the encoding and zlib's reason for every other failure (connect
 * says only "decompression failed", and INTERNAL for a body cut short, which is the client's mistake).
 *
 * @example
 * const body = await decompress(bytes, request.header.get("content-encoding") ?? "identity", 4 * 1024 * 1024);
 */
export async function decompress(bytes: Uint8Array, encoding: string, readMaxBytes: number): Promise<Uint8Array> {
  const compression = findCompression(encoding);
  if (!compression) return bytes;
  try {
    return await compression.decompress(bytes, readMaxBytes);
  } catch (err) {
    const error = ConnectError.from(err);
    if (error.code === Code.ResourceExhausted) {
      throw new ConnectError(`request is larger than the limit of ${readMaxBytes} bytes once decompressed`, Code.ResourceExhausted);
    }
    const cause = error.cause instanceof Error ? error.cause.message : error.rawMessage;
    throw new ConnectError(`request body is not valid ${encoding}: ${cause}`, Code.InvalidArgument);
  }
}
