/** gRPC's length-prefixed message framing (compression flag, 4-byte big-endian length, message). */

/** Frames one uncompressed message as it travels in an HTTP/2 DATA body. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.byteLength);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, 5);
  return frame;
}

/**
 * Splits a stream of DATA chunks into gRPC messages. Chunks may cut a message anywhere (even inside the prefix),
 * so the reader keeps what is left over for the next chunk.
 */
export class GrpcFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds one chunk; returns the messages it completed, in order. */
  push(chunk: Buffer): Buffer[] {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    while (buf.length >= 5) {
      const length = buf.readUInt32BE(1);
      if (buf.length < 5 + length) break;
      messages.push(buf.subarray(5, 5 + length));
      buf = buf.subarray(5 + length);
    }
    this.pending = buf;
    return messages;
  }
}
