import http2 from "node:http2";
import { GrpcFrameReader } from "./grpc-wire.js";

/** The outcome of one unary gRPC call made over raw HTTP/2. */
export interface UnaryOutcome {
  /** grpc-status (0 is OK); -1 when the stream failed before a status arrived. */
  status: number;
  /** grpc-message, decoded. */
  message: string;
  /** The response message, without its 5-byte prefix; empty when there was none. */
  body: Buffer;
}

/**
 * Makes one unary gRPC call on an HTTP/2 session with a pre-framed request body. The load generators use this
 * rather than a gRPC library so that the client side costs as little as possible and every grpc-status is
 * checked (h2load only sees HTTP 200).
 */
export function callUnary(session: http2.ClientHttp2Session, path: string, frame: Buffer): Promise<UnaryOutcome> {
  return new Promise((resolve) => {
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
    });
    const reader = new GrpcFrameReader();
    let body: Buffer = Buffer.alloc(0);
    let status = -1;
    let message = "";
    const readStatus = (headers: http2.IncomingHttpHeaders) => {
      const value = headers["grpc-status"];
      if (value !== undefined) {
        status = Number(value);
        message = decodeURIComponent(String(headers["grpc-message"] ?? ""));
      }
    };
    stream.on("response", readStatus); // trailers-only responses carry the status in the headers
    stream.on("trailers", readStatus);
    stream.on("data", (chunk: Buffer) => {
      const messages = reader.push(chunk);
      if (messages.length > 0) body = messages[0] as Buffer;
    });
    stream.on("error", (err: Error) => {
      message ||= err.message;
    });
    stream.on("close", () => resolve({ status, message, body }));
    stream.end(frame);
  });
}

/** Opens an HTTP/2 session with prior knowledge (no TLS), as gRPC clients do. */
export function connect(url: string): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.once("connect", () => resolve(session));
    session.once("error", reject);
  });
}

/** Calls once and throws unless the status is OK: checks a request before a load run repeats it. */
export async function expectOk(url: string, path: string, frame: Buffer): Promise<Buffer> {
  const session = await connect(url);
  try {
    const outcome = await callUnary(session, path, frame);
    if (outcome.status !== 0) throw new Error(`${path} answered grpc-status ${outcome.status}: ${outcome.message}`);
    return outcome.body;
  } finally {
    session.close();
  }
}
