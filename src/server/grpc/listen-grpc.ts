import { constants as http2, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { Server, status } from "@grpc/grpc-js";
import { grpcServerCredentials, type ServerTls } from "../tls-options.js";
import type { GrpcService } from "./create-grpc-service.js";

/** Options of {@link listenGrpc}. */
export interface GrpcListenOptions {
  /** `host:port`; port 0 picks a free one. */
  address: string;
  services: GrpcService[];
  /** Largest request accepted, in bytes. */
  maxReceiveMessageLength: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: calls in flight on one connection; default unlimited. */
  maxConcurrentStreams?: number;
  /** A connection with no call in flight is closed after this long; default never. */
  idleConnectionTimeoutMs?: number;
  /** A connection is sent GOAWAY after this long, and closed at most 5 minutes later; default never. */
  maxConnectionAgeMs?: number;
  /** Serve over TLS (and require client certificates when it has a client CA); plaintext when unset. */
  tls?: ServerTls;
  /**
   * A call whose request has not arrived whole after this long ends with DEADLINE_EXCEEDED (request-streaming
   * methods excepted), and a connection must speak HTTP/2 within at most 10 s of it; default never.
   */
  requestTimeoutMs?: number;
  /** Open connections held at most; one more is closed as soon as it is accepted; default unlimited. */
  maxConnections?: number;
}

/** A running grpc-js listener. */
export interface GrpcListener {
  /** The bound port. */
  port: number;
  /** Stops accepting calls and resolves once in-flight ones finish, or forces them closed after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/** The grpc-js options for the limits that are set (grpc-js reads an option that is present even when undefined). */
function connectionLimits({ maxConcurrentStreams, idleConnectionTimeoutMs, maxConnectionAgeMs }: GrpcListenOptions) {
  return {
    ...(maxConcurrentStreams === undefined ? {} : { "grpc.max_concurrent_streams": maxConcurrentStreams }),
    // Bound how long a connection can be held: idle (or never speaking HTTP/2), or with a request that never ends.
    ...(idleConnectionTimeoutMs === undefined ? {} : { "grpc.max_connection_idle_ms": idleConnectionTimeoutMs }),
    ...(maxConnectionAgeMs === undefined
      ? {}
      : { "grpc.max_connection_age_ms": maxConnectionAgeMs, "grpc.max_connection_age_grace_ms": Math.min(5 * 60_000, maxConnectionAgeMs) }),
  };
}

/** Starts the native gRPC listener (HTTP/2; TLS when configured) with the given services. */
export async function listenGrpc(options: GrpcListenOptions): Promise<GrpcListener> {
  const server = new Server({
    "grpc.max_receive_message_length": options.maxReceiveMessageLength,
    // Let idle clients keep their connection, but drop peers that stopped answering pings.
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_timeout_ms": 20_000,
    ...connectionLimits(options),
  });
  for (const { definition, handlers } of options.services) server.addService(definition, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, grpcServerCredentials(options.tls), (err, boundPort) =>
      err ? reject(new Error(`cannot listen for gRPC on ${options.address}: ${err.message}`)) : resolve(boundPort),
    );
  });
  const stopGuards = guardConnections(http2ServersOf(server), options);
  return {
    port,
    close(graceMs) {
      stopGuards();
      return new Promise<void>((resolve) => {
        // forceShutdown destroys every session, but grpc-js may never call tryShutdown's callback for a
        // session whose client cancelled a stream while data was in flight: resolve on the force itself.
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/**
 * grpc-js keeps its HTTP/2 servers private, and offers no option for what the HTTP port's server does by itself:
 * a cap on connections, and time limits on a client that never speaks or never finishes its request. Pinned
 * grpc-js; a change of its internals fails at start, not silently.
 */
function http2ServersOf(server: Server): Http2Server[] {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) throw new Error("cannot reach grpc-js's HTTP/2 servers to limit connections");
  return [...(servers as Map<Http2Server, unknown>).keys()];
}

/** Applies the connection cap and the time limits; returns what stops them at shutdown. */
function guardConnections(servers: Http2Server[], options: GrpcListenOptions): () => void {
  const { requestTimeoutMs, maxConnections } = options;
  for (const server of servers) if (maxConnections !== undefined) server.maxConnections = maxConnections;
  if (requestTimeoutMs === undefined) return () => undefined;
  // Like the HTTP port's headers timeout: SETTINGS, the first frame a client sends, must come within 10 s.
  const handshakeMs = Math.min(10_000, requestTimeoutMs);
  const requestStreaming = new Set(
    options.services.flatMap(({ definition }) => Object.values(definition).filter((method) => method.requestStream).map((method) => method.path)),
  );
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
      if (!requestStreaming.has(String((streams[i + 1] as IncomingHttpHeaders)[":path"]))) arriving.set(stream, now);
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
      const silent = setTimeout(() => session.destroy(), handshakeMs);
      silent.unref();
      session.once("remoteSettings", () => clearTimeout(silent));
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
