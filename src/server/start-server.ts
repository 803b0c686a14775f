import { setLogger as setGrpcLogger } from "@grpc/grpc-js";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import descriptors from "../../gen/descriptors.json" with { type: "json" };
import { file_flagwire_v1_flags, FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import { file_flagwire_v1_tokens, TokenService } from "../../gen/flagwire/v1/tokens_pb.js";
import { file_grpc_health_v1_health, Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { file_grpc_reflection_v1_reflection, ServerReflection as ServerReflectionV1 } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import {
  file_grpc_reflection_v1alpha_reflection,
  ServerReflection as ServerReflectionV1alpha,
} from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createFlagEngine, type FlagEngine } from "../engine/flag-engine.js";
import { createTokenRegistry, type TokenRegistry } from "../engine/token-registry.js";
import { openStore, shownStoreUrl, storeExists } from "../store/open-store.js";
import { createCallGuard } from "./auth/create-call-guard.js";
import { createFlagService } from "./services/flag-service.js";
import { createEvaluateHandlers } from "./services/evaluate-handlers.js";
import { createFlagGrpcService } from "./grpc/create-flag-grpc-service.js";
import { createFlagdGrpcService } from "./grpc/create-flagd-grpc-service.js";
import { createGrpcService } from "./grpc/create-grpc-service.js";
import { createHealthService } from "./grpc/health-service.js";
import { listenGrpc } from "./grpc/listen-grpc.js";
import { createReflectionServices } from "./grpc/reflection-service.js";
import { listenHttp } from "./http/listen-http.js";
import { createOfrepRoute } from "./http/ofrep/ofrep-route.js";
import { createDashboardRoute } from "./http/dashboard-route.js";
import { checkListenPolicy } from "./listen-policy.js";
import { checkAddressFree } from "./check-address-free.js";
import { formatAddress, parseAddress } from "./parse-address.js";
import { DEFAULT_LIMITS } from "./server-limits.js";
import { createStreamLimit } from "./stream-limit.js";
import { createRefusalLog } from "./refusal-log.js";
import { interceptService, type RefusedRpc } from "./rpc-interceptor.js";
import { createTokenService } from "./services/token-service.js";
import { file_flagd_evaluation_v1_evaluation, Service as FlagdEvaluationV1 } from "../../gen/flagd/evaluation/v1/evaluation_pb.js";
import { file_flagd_evaluation_v2_evaluation, Service as FlagdEvaluationV2 } from "../../gen/flagd/evaluation/v2/evaluation_pb.js";
import { createFlagdEvaluationV1 } from "./services/flagd-evaluation-v1.js";
import { createFlagdEvaluationV2 } from "./services/flagd-evaluation-v2.js";
import { createFlagdResolveHandlers } from "./services/flagd-resolve-handlers.js";
import type { FlagdAccess } from "./auth/create-call-guard.js";
import { createServerMetrics } from "./metrics/create-server-metrics.js";
import { createMetricsRoute } from "./http/metrics-route.js";
import { createUsageTracker, type UsageTracker } from "../engine/usage-tracker.js";
import type { RunningServer, ServerOptions } from "./server-options.js";
import { logAuthState, logFlagdAccess } from "./start-log.js";

export type { RunningServer, ServerOptions } from "./server-options.js";

/**
 * The composition root: store -> engine -> service -> both listeners. The only place that knows them all.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  // Refuse a malformed address, a port already taken or a throwaway database before creating the database file.
  const grpcAddress = formatAddress(parseAddress(options.grpcListen));
  const httpAddress = formatAddress(parseAddress(options.httpListen));
  // Throws for a URL no backend takes, or a path SQLite would keep in memory.
  const existed = storeExists(options.dbPath);
  // What messages and logs say: a PostgreSQL URL's password is never printed.
  const dbShown = shownStoreUrl(options.dbPath);
  await checkAddressFree(grpcAddress, "--grpc-listen");
  await checkAddressFree(httpAddress, "--http-listen");
  // grpc-js logs through console by default; what it says also reaches us as an error or status.
  const grpcLog = logger.child({ component: "grpc-js" });
  setGrpcLogger({ error: (...args: unknown[]) => grpcLog.debug(args.map(String).join(" ")) });
  const maxRequestBytes = options.maxRequestBytes ?? 4 * 1024 * 1024;
  const graceMs = options.shutdownGraceMs ?? 5000;
  const listen = [options.grpcListen, options.httpListen];
  const insecure = options.insecure ?? false;
  // A database that does not exist holds no token: refuse before creating it.
  if (!options.bootstrapToken && !existed) {
    checkListenPolicy({ addresses: listen, authEnabled: false, insecure, dbPath: dbShown });
  }
  const storage = await openStore(options.dbPath);
  // One registry per server: several servers may run in one process.
  const metrics = createServerMetrics();
  let engine: FlagEngine | undefined;
  let tokens: TokenRegistry | undefined;
  let usage: UsageTracker | undefined;
  // Closes what was opened so far: the engine closes the flag store (after its pending writes), or the store itself.
  const closeStorage = async () => {
    // The tracker first: it stops its flush timer and writes its last counts while the store is open.
    await usage?.close().catch((err: unknown) => logger.warn({ err }, "cannot write the last evaluation counts"));
    await tokens?.close();
    await (engine ? engine.close() : storage.flags.close());
    await storage.tokens.close();
    await storage.usage.close();
  };
  try {
    engine = await createFlagEngine({
      store: storage.flags,
      // The engine holds the defaults (10,000 queued messages or 1 MiB per watcher, 256 MiB for all, a heartbeat
      // every 15 s, all changes kept).
      hub: { maxQueue: options.watchQueueLimit, maxBytes: options.watchByteLimit, maxTotalBytes: options.watchTotalByteLimit },
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      retention: options.retention,
      onPollError: (err) => logger.error({ err }, "cannot read changes made by other processes; retrying"),
      observer: metrics.engine.observer,
    });
    metrics.attachState(engine);
    usage = await createUsageTracker({
      store: storage.usage,
      flushIntervalMs: options.usageFlushIntervalMs,
      onFlushError: (err) => {
        metrics.engine.storageFailed("usage_flush");
        logger.warn({ err }, "cannot write evaluation counts; they are kept for the next try");
      },
    });
    tokens = await createTokenRegistry({ store: storage.tokens });
    if (options.bootstrapToken) {
      const { created } = await tokens.ensureBootstrap(options.bootstrapToken);
      if (created) logger.info({ token: "bootstrap", role: "admin" }, "created the admin token of FLAGWIRE_BOOTSTRAP_TOKEN");
    }
    checkListenPolicy({ addresses: listen, authEnabled: tokens.authEnabled, insecure, dbPath: dbShown });
  } catch (err) {
    await closeStorage();
    throw err;
  }
  logAuthState(logger, tokens, insecure, dbShown);
  const shutdown = new AbortController();
  const flagdAccess: FlagdAccess = options.flagdUnauthenticated ? "unauthenticated" : options.tls?.clientCa ? "client-certificate" : "token";
  logFlagdAccess(logger, flagdAccess);
  const guard = createCallGuard({ registry: tokens, flagdAccess, ...(options.protect ? { protect: options.protect } : {}) });
  const intercept = { logger, guard, metrics: metrics.rpc };
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  // The guard runs first: an unauthenticated caller never takes a stream slot.
  const streams = createStreamLimit({ maxPerClient: limits.maxStreamsPerClient, maxTotal: limits.maxStreams });
  const service = createFlagService(engine, usage);
  const impl = interceptService(FeatureFlagService, service, { ...intercept, streams });
  // The gRPC port answers Evaluate and EvaluateAll with bytes written straight from domain values (its hand codecs).
  // Both impls share one stream limit: the per-client and global caps count streams on both listeners.
  const grpcImpl = interceptService(FeatureFlagService, { ...service, ...createEvaluateHandlers(engine, usage) }, { ...intercept, streams });
  const tokenImpl = interceptService(TokenService, createTokenService(tokens), intercept);
  // flagd's evaluation protocol, for the stock OpenFeature flagd providers: the same impl on both listeners.
  // Its proto marks no method NO_SIDE_EFFECTS, yet every one only reads: successes log at debug, as Evaluate's do.
  const flagdOptions = { ...intercept, streams, readOnly: true };
  const flagdV1Impl = createFlagdEvaluationV1(engine, usage);
  const flagdV2Impl = createFlagdEvaluationV2(engine, usage);
  const flagdV1 = interceptService(FlagdEvaluationV1, flagdV1Impl, flagdOptions);
  const flagdV2 = interceptService(FlagdEvaluationV2, flagdV2Impl, flagdOptions);
  // The gRPC port answers ResolveBoolean with bytes written straight from domain values (its hand codecs).
  const flagdResolve = createFlagdResolveHandlers(engine, usage);
  const flagdV1Grpc = interceptService(FlagdEvaluationV1, { ...flagdV1Impl, ...flagdResolve }, flagdOptions);
  const flagdV2Grpc = interceptService(FlagdEvaluationV2, { ...flagdV2Impl, ...flagdResolve }, flagdOptions);

  const health = createHealthService();
  const reflection = createReflectionServices({
    files: [
      file_flagwire_v1_flags,
      file_flagwire_v1_tokens,
      file_grpc_health_v1_health,
      file_grpc_reflection_v1_reflection,
      file_grpc_reflection_v1alpha_reflection,
      file_flagd_evaluation_v1_evaluation,
      file_flagd_evaluation_v2_evaluation,
    ],
    serviceNames: [FeatureFlagService, TokenService, Health, ServerReflectionV1, ServerReflectionV1alpha, FlagdEvaluationV1, FlagdEvaluationV2].map(
      (s) => s.typeName,
    ),
    // Built by `npm run generate` beside the code, with the proto's comments.
    documented: fromJson(FileDescriptorSetSchema, descriptors as unknown as JsonValue).file,
  });
  // Requests refused before a handler (and so the interceptor) saw them get their log line from the listener.
  // Rate-limited: these refusals cost a client nothing, so a flood of them must not flood the log.
  const logRefused = createRefusalLog(logger);
  const countRefused = (listener: "grpc" | "http", refused: RefusedRpc) =>
    metrics.rpc.refused(listener, { method: refused.method, code: refused.error.code, started: refused.started });
  const grpcOptions = {
    shutdownSignal: shutdown.signal,
    onRefused: (refused: RefusedRpc) => {
      countRefused("grpc", refused);
      logRefused("grpc", refused);
    },
  };

  let grpc: Awaited<ReturnType<typeof listenGrpc>> | undefined;
  let http: Awaited<ReturnType<typeof listenHttp>> | undefined;
  try {
    grpc = await listenGrpc({
      address: grpcAddress,
      maxReceiveMessageLength: maxRequestBytes,
      maxConcurrentStreams: limits.maxConcurrentStreamsPerConnection,
      idleConnectionTimeoutMs: limits.idleConnectionTimeoutMs,
      maxConnectionAgeMs: limits.maxConnectionAgeMs,
      requestTimeoutMs: limits.requestTimeoutMs,
      maxConnections: limits.maxConnections,
      ...(options.tls ? { tls: options.tls } : {}),
      onRefused: grpcOptions.onRefused,
      services: [
        createFlagGrpcService(grpcImpl, grpcOptions),
        createGrpcService(TokenService, tokenImpl, grpcOptions),
        createGrpcService(Health, interceptService(Health, health.impl, intercept), grpcOptions),
        createGrpcService(ServerReflectionV1, interceptService(ServerReflectionV1, reflection.v1, intercept), grpcOptions),
        createGrpcService(ServerReflectionV1alpha, interceptService(ServerReflectionV1alpha, reflection.v1alpha, intercept), grpcOptions),
        createFlagdGrpcService(FlagdEvaluationV1, flagdV1Grpc, grpcOptions),
        createFlagdGrpcService(FlagdEvaluationV2, flagdV2Grpc, grpcOptions),
        ...(options.extraGrpcServices ?? []),
      ],
    });
    http = await listenHttp({
      address: httpAddress,
      services: [
        { service: FeatureFlagService, impl: impl as never },
        { service: TokenService, impl: tokenImpl as never },
        { service: FlagdEvaluationV1, impl: flagdV1 as never },
        { service: FlagdEvaluationV2, impl: flagdV2 as never },
      ],
      ...(options.tls ? { tls: options.tls } : {}),
      readMaxBytes: maxRequestBytes,
      ...(options.httpFastPath === false ? { fastPaths: false } : {}),
      requestTimeoutMs: limits.requestTimeoutMs,
      maxConnections: limits.maxConnections,
      cutOffGraceMs: limits.cutOffGraceMs,
      shutdownSignal: shutdown.signal,
      origins: { allowHosts: options.allowHosts ?? [], allowOrigins: options.allowOrigins ?? [], authEnabled: () => tokens.authOn },
      onRefused: (refused: RefusedRpc) => {
        countRefused("http", refused);
        logRefused("http", refused);
      },
      // OFREP (OpenFeature) and /metrics: through the same guard, stream limit and request limit as the RPCs.
      routes: [
        createOfrepRoute({ engine, guard, authOn: () => tokens.authOn, streams, logger, readMaxBytes: maxRequestBytes, cutOffGraceMs: limits.cutOffGraceMs, usage }),
        createMetricsRoute({ registry: metrics.registry, guard, rpc: metrics.rpc }),
        // The dashboard's static files (and its screen URLs); the API calls it makes are the RPCs above.
        ...(options.dashboard === false ? [] : [createDashboardRoute(options.dashboard === true || options.dashboard === undefined ? {} : options.dashboard)]),
        ...(options.extraHttpRoutes ?? []),
      ],
    });
  } catch (err) {
    await grpc?.close(0);
    await closeStorage();
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
    tokens,
    metrics,
    usage,
    close() {
      closing ??= (async () => {
        health.shutdown();
        if (options.shutdownDelayMs) await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs));
        const stopped = Promise.all([grpcListener.close(graceMs), httpListener.close(graceMs)]);
        // Streams never finish by themselves: end them (UNAVAILABLE) so that the listeners can drain.
        engine.endWatches();
        shutdown.abort(new Error("server shutting down"));
        await stopped;
        // After the listeners, so that no evaluation comes after the last counts (closeStorage writes them).
        await closeStorage();
      })();
      return closing;
    },
  };
}
