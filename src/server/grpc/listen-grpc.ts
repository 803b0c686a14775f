import type { EventEmitter } from "node:events";
import type { IncomingHttpHeaders } from "node:http2";
import { Server } from "@grpc/grpc-js";
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
  seeRepeatedAuthorization(server);
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

/**
 * Node's HTTP/2 keeps only the first of a repeated `authorization` header in the headers object grpc-js reads,
 * silently. grpc-js has no hook before it reads them, so a listener of our own runs first on its HTTP/2
 * servers (a private field, pinned by the exact grpc-js version and by test/ambiguous-authorization.test.ts) and
 * joins the repeats, so that the call guard sees them and refuses the ambiguity.
 */
function seeRepeatedAuthorization(server: Server): void {
  const http2Servers = (server as unknown as { http2Servers?: Map<EventEmitter, unknown> }).http2Servers;
  if (!(http2Servers instanceof Map)) throw new Error("grpc-js no longer keeps http2Servers: repeated authorization headers would go unseen");
  for (const http2Server of http2Servers.keys()) http2Server.prependListener("stream", joinRepeatedAuthorization);
}

function joinRepeatedAuthorization(_stream: unknown, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]): void {
  let values: string[] | undefined;
  // HTTP/2 header names are lowercase on the wire.
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i] === "authorization") (values ??= []).push(rawHeaders[i + 1] as string);
  if (values !== undefined && values.length > 1) headers.authorization = values.join(", ");
}
