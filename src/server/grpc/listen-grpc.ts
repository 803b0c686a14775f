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

/** Starts the native gRPC listener (HTTP/2; TLS when configured) with the given services. */
export async function listenGrpc(options: GrpcListenOptions): Promise<GrpcListener> {
  const server = new Server({
    "grpc.max_receive_message_length": options.maxReceiveMessageLength,
    // Let idle clients keep their connection, but drop peers that stopped answering pings.
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_timeout_ms": 20_000,
  });
  for (const { definition, handlers } of options.services) server.addService(definition, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, grpcServerCredentials(options.tls), (err, boundPort) =>
      err ? reject(new Error(`cannot listen for gRPC on ${options.address}: ${err.message}`)) : resolve(boundPort),
    );
  });
  return {
    port,
    close(graceMs) {
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
