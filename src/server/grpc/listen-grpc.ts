import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { GrpcService } from "./create-grpc-service.js";

/** Options of {@link listenGrpc}. */
export interface GrpcListenOptions {
  /** `host:port`; port 0 picks a free one. */
  address: string;
  services: GrpcService[];
  /** Largest request accepted, in bytes. */
  maxReceiveMessageLength: number;
}

/** A running grpc-js listener. */
export interface GrpcListener {
  /** The bound port. */
  port: number;
  /** Stops accepting calls and resolves once in-flight ones finish, or forces them closed after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/** Starts the native gRPC listener (HTTP/2, plaintext) with the given services. */
export async function listenGrpc(options: GrpcListenOptions): Promise<GrpcListener> {
  const server = new Server({
    "grpc.max_receive_message_length": options.maxReceiveMessageLength,
    // Let idle clients keep their connection, but drop peers that stopped answering pings.
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_timeout_ms": 20_000,
  });
  for (const { definition, handlers } of options.services) server.addService(definition, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, ServerCredentials.createInsecure(), (err, boundPort) =>
      err ? reject(new Error(`cannot listen for gRPC on ${options.address}: ${err.message}`)) : resolve(boundPort),
    );
  });
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
