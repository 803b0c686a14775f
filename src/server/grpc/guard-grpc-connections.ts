import { constants as http2, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { status } from "@grpc/grpc-js";
import type { GuardedMethod } from "./guard-grpc-wire.js";

/** Options of {@link guardGrpcConnections}. */
export interface GrpcConnectionGuardOptions {
  /** The registered methods by HTTP/2 path: request-streaming ones are not timed. */
  methods: ReadonlyMap<string, GuardedMethod>;
  /**
   * A call whose request has not arrived whole after this long ends with DEADLINE_EXCEEDED (request-streaming
   * methods excepted), and a connection must speak HTTP/2 within at most 10 s of it; default never.
   */
  requestTimeoutMs?: number | undefined;
  /** Open connections held at most; one more is closed as soon as it is accepted; default unlimited. */
  maxConnections?: number | undefined;
}

/**
 * What the HTTP port's node:http server does by itself and grpc-js offers no option for: a cap on connections, and
 * time limits on a client that never speaks or never finishes its request. Returns what stops them at shutdown.
 */
export function guardGrpcConnections(servers: Http2Server[], options: GrpcConnectionGuardOptions): () => void {
  const { methods, requestTimeoutMs, maxConnections } = options;
  for (const server of servers) if (maxConnections !== undefined) server.maxConnections = maxConnections;
  if (requestTimeoutMs === undefined) return () => undefined;
  // Like the HTTP port's headers timeout: SETTINGS, the first frame a client sends, must come within 10 s.
  const handshakeMs = Math.min(10_000, requestTimeoutMs);
  // Most requests have arrived whole by the next turn of the event loop (headers and message come in one packet):
  // only the others are followed, so that a call that is quick to arrive costs one push into this batch.
  let batch: Array<ServerHttp2Stream | IncomingHttpHeaders> = [];
  const arriving = new Map<ServerHttp2Stream, number>();
  const followSlowOnes = () => {
    const streams = batch;
    batch = [];
    const now = Date.now();
    for (let i = 0; i < streams.length; i += 2) {
      const stream = streams[i] as ServerHttp2Stream;
      if (stream.readableEnded || stream.destroyed) continue;
      if (methods.get(String((streams[i + 1] as IncomingHttpHeaders)[":path"]))?.requestStream !== true) arriving.set(stream, now);
    }
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [stream, since] of arriving) {
      if (stream.readableEnded || stream.destroyed) arriving.delete(stream);
      else if (now - since >= requestTimeoutMs) {
        arriving.delete(stream);
        endUnfinished(stream, requestTimeoutMs);
      }
    }
  }, Math.min(1000, requestTimeoutMs));
  sweep.unref();
  for (const server of servers) {
    server.on("session", (session) => {
      let spoken = false;
      // setImmediate: on a loop that was busy past the deadline, the poll phase first reads what has arrived
      // meanwhile, so a client whose SETTINGS are already in the socket is not cut off.
      const silent = setTimeout(() => setImmediate(() => spoken || session.destroy()), handshakeMs);
      silent.unref();
      session.once("remoteSettings", () => {
        spoken = true;
        clearTimeout(silent);
      });
      session.once("close", () => clearTimeout(silent));
    });
    server.on("stream", (stream, headers) => {
      if (batch.push(stream, headers) === 2) setImmediate(followSlowOnes);
    });
  }
  return () => {
    clearInterval(sweep);
    arriving.clear();
  };
}

/** Answers a call whose request never finished arriving with DEADLINE_EXCEEDED, and frees its stream. */
function endUnfinished(stream: ServerHttp2Stream, requestTimeoutMs: number): void {
  const message = `the request did not arrive whole within ${requestTimeoutMs} ms: send the whole message and end the request sooner`;
  try {
    if (!stream.headersSent) {
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", "grpc-status": String(status.DEADLINE_EXCEEDED), "grpc-message": encodeURIComponent(message) },
        { endStream: true },
      );
    }
  } finally {
    // The client may still be sending: RST_STREAM (NO_ERROR after a complete response) tells it to stop.
    stream.close(http2.NGHTTP2_NO_ERROR);
  }
}
