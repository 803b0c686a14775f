import type { IncomingMessage } from "node:http";

/**
 * The whole body of a request with a Content-Length (which node:http enforces: nothing past it is read), by events:
 * without the async iterator and the promise per chunk of `for await`. Rejects with the stream's error, or a
 * premature close, when the request is cut short, as the iterator would.
 *
 * @example
 * if (req.headers["content-length"] !== undefined && req.headers["transfer-encoding"] === undefined) body = await readDeclaredBody(req);
 */
export function readDeclaredBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const settle = (error?: Error) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onEnd = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    if (req.readableEnded) return settle();
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onError);
    req.once("close", onClose);
  });
}
