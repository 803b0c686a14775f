import { Server } from "@grpc/grpc-js";
import { grpcServerCredentials, type ServerTls } from "../tls-options.js";
import type { RefusedRpc } from "../rpc-interceptor.js";
import type { GrpcService } from "./create-grpc-service.js";
import { guardGrpcConnections } from "./guard-grpc-connections.js";
import { guardGrpcWire, type GuardedMethod } from "./guard-grpc-wire.js";
import { http2ServersOf } from "./http2-servers-of.js";

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
  /** Called for each call that grpc-js or the wire checks refused before any handler ran (see guard-grpc-wire.ts). */
  onRefused?: (refused: RefusedRpc) => void;
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
  const { maxReceiveMessageLength, onRefused, requestTimeoutMs, maxConnections } = options;
  const http2Servers = http2ServersOf(server);
  const methods = guardedMethods(options.services);
  guardGrpcWire(http2Servers, { methods, maxReceiveMessageLength, ...(onRefused ? { onRefused } : {}) });
  const stopGuards = guardGrpcConnections(http2Servers, { methods, requestTimeoutMs, maxConnections });
  return {
    port,
    close(graceMs) {
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

/** Every registered method by its HTTP/2 path, for the wire checks and the time limits. */
function guardedMethods(services: GrpcService[]): Map<string, GuardedMethod> {
  const methods = new Map<string, GuardedMethod>();
  for (const { definition } of services) {
    for (const { path, requestStream } of Object.values(definition)) methods.set(path, { name: path.slice(1), requestStream });
  }
  return methods;
}
