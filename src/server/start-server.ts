import { setLogger as setGrpcLogger } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { file_flagwire_v1_flags, FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import { file_grpc_health_v1_health, Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { file_grpc_reflection_v1_reflection, ServerReflection as ServerReflectionV1 } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import {
  file_grpc_reflection_v1alpha_reflection,
  ServerReflection as ServerReflectionV1alpha,
} from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createFlagEngine, type FlagEngine } from "../engine/flag-engine.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { createFlagService } from "./flag-service.js";
import { createGrpcService, type GrpcService } from "./grpc/create-grpc-service.js";
import { createHealthService } from "./grpc/health-service.js";
import { listenGrpc } from "./grpc/listen-grpc.js";
import { createReflectionServices } from "./grpc/reflection-service.js";
import { listenHttp } from "./http/listen-http.js";
import { parseAddress } from "./parse-address.js";
import { interceptService, logRefusedRpc, type RefusedRpc } from "./rpc-interceptor.js";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** SQLite database file, created on first start. */
  dbPath: string;
  /** Native gRPC listener, `host:port`. */
  grpcListen: string;
  /** Connect + gRPC-Web listener, `host:port`. */
  httpListen: string;
  logger: Logger;
  /** Largest request accepted on either listener, in bytes; default 4 MiB. */
  maxRequestBytes?: number;
  /** How long shutdown waits for in-flight calls before closing connections; default 5 s. */
  shutdownGraceMs?: number;
  /**
   * How long health reports NOT_SERVING before the listeners stop accepting, so that load balancers polling
   * health move traffic away first; default 0.
   */
  shutdownDelayMs?: number;
  /** Changes a watcher may have queued before it is cut off; default 10,000. */
  watchQueueLimit?: number;
  /**
   * More services for the gRPC listener, served by the same grpc-js server as FeatureFlagService. Only the
   * benchmarks use it, to measure an echo RPC on the very same stack as the baseline of `Evaluate`.
   */
  extraGrpcServices?: GrpcService[];
}

/** A running flagwire server. */
export interface RunningServer {
  grpcPort: number;
  httpPort: number;
  engine: FlagEngine;
  /** Graceful stop: NOT_SERVING, stop accepting, end streams with UNAVAILABLE, finish calls, close the DB. */
  close(): Promise<void>;
}

/**
 * The composition root: store -> engine -> service -> both listeners. The only place that knows them all.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  // Refuse a malformed address before creating the database file.
  parseAddress(options.grpcListen);
  parseAddress(options.httpListen);
  // grpc-js logs through console by default; what it says also reaches us as an error or status.
  const grpcLog = logger.child({ component: "grpc-js" });
  setGrpcLogger({ error: (...args: unknown[]) => grpcLog.debug(args.map(String).join(" ")) });
  const maxRequestBytes = options.maxRequestBytes ?? 4 * 1024 * 1024;
  const graceMs = options.shutdownGraceMs ?? 5000;
  const store = openSqliteStore({ path: options.dbPath });
  const engine = createFlagEngine({ store, hub: { maxQueue: options.watchQueueLimit ?? 10_000 } });
  const shutdown = new AbortController();
  const impl = interceptService(FeatureFlagService, createFlagService(engine), { logger });

  const health = createHealthService();
  const reflection = createReflectionServices({
    files: [
      file_flagwire_v1_flags,
      file_grpc_health_v1_health,
      file_grpc_reflection_v1_reflection,
      file_grpc_reflection_v1alpha_reflection,
    ],
    serviceNames: [FeatureFlagService, Health, ServerReflectionV1, ServerReflectionV1alpha].map((s) => s.typeName),
  });
  // Requests refused before a handler (and so the interceptor) saw them get their log line from the listener.
  const grpcOptions = { shutdownSignal: shutdown.signal, onRefused: (refused: RefusedRpc) => logRefusedRpc(logger, "grpc", refused) };

  let grpc: Awaited<ReturnType<typeof listenGrpc>> | undefined;
  let http: Awaited<ReturnType<typeof listenHttp>> | undefined;
  try {
    grpc = await listenGrpc({
      address: options.grpcListen,
      maxReceiveMessageLength: maxRequestBytes,
      services: [
        createGrpcService(FeatureFlagService, impl, grpcOptions),
        createGrpcService(Health, interceptService(Health, health.impl, { logger }), grpcOptions),
        createGrpcService(ServerReflectionV1, interceptService(ServerReflectionV1, reflection.v1, { logger }), grpcOptions),
        createGrpcService(
          ServerReflectionV1alpha,
          interceptService(ServerReflectionV1alpha, reflection.v1alpha, { logger }),
          grpcOptions,
        ),
        ...(options.extraGrpcServices ?? []),
      ],
    });
    http = await listenHttp({
      address: options.httpListen,
      service: FeatureFlagService,
      impl: impl as never,
      readMaxBytes: maxRequestBytes,
      shutdownSignal: shutdown.signal,
      onRefused: (refused: RefusedRpc) => logRefusedRpc(logger, "http", refused),
    });
  } catch (err) {
    await grpc?.close(0);
    engine.close();
    throw err;
  }
  health.setStatus("", HealthCheckResponse_ServingStatus.SERVING);
  health.setStatus(FeatureFlagService.typeName, HealthCheckResponse_ServingStatus.SERVING);

  let closing: Promise<void> | undefined;
  const grpcListener = grpc;
  const httpListener = http;
  return {
    grpcPort: grpc.port,
    httpPort: http.port,
    engine,
    close() {
      closing ??= (async () => {
        health.shutdown();
        if (options.shutdownDelayMs) await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs));
        const stopped = Promise.all([grpcListener.close(graceMs), httpListener.close(graceMs)]);
        // Streams never finish by themselves: end them (UNAVAILABLE) so that the listeners can drain.
        engine.endWatches();
        shutdown.abort(new Error("server shutting down"));
        await stopped;
        engine.close();
      })();
      return closing;
    },
  };
}
