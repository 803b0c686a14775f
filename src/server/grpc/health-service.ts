import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from "../../../gen/grpc/health/v1/health_pb.js";

/** The standard `grpc.health.v1.Health` service and the switches that drive it. */
export interface HealthService {
  /** The implementation to serve, e.g. with `createGrpcService(Health, health.impl)`. */
  impl: ServiceImpl<typeof Health>;
  /** Sets the status of `service` (`""` is the whole server) and notifies its watchers. */
  setStatus(service: string, status: ServingStatus): void;
  /**
   * Marks every service NOT_SERVING, so that load balancers drain this server before it stops.
   * From then on `setStatus` records SERVING as NOT_SERVING.
   */
  shutdown(): void;
}

type Listener = (status: ServingStatus) => void;

/**
 * Creates a health service with the semantics of grpc-go's `health.Server`: the server as a whole
 * (`""`) starts SERVING; Check of an unknown service is NOT_FOUND; Watch of an unknown service reports
 * SERVICE_UNKNOWN and keeps watching.
 *
 * @example
 * const health = createHealthService();
 * health.setStatus(FeatureFlagService.typeName, HealthCheckResponse_ServingStatus.SERVING);
 * const { definition, handlers } = createGrpcService(Health, health.impl, { shutdownSignal });
 */
export function createHealthService(): HealthService {
  const statuses = new Map<string, ServingStatus>([["", ServingStatus.SERVING]]);
  const listeners = new Map<string, Set<Listener>>();
  let shuttingDown = false;

  function setStatus(service: string, status: ServingStatus): void {
    const next = shuttingDown && status === ServingStatus.SERVING ? ServingStatus.NOT_SERVING : status;
    if (statuses.get(service) === next) return;
    statuses.set(service, next);
    for (const listener of listeners.get(service) ?? []) listener(next);
  }

  function subscribe(service: string, listener: Listener): () => void {
    let set = listeners.get(service);
    if (!set) listeners.set(service, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && listeners.get(service) === set) listeners.delete(service);
    };
  }

  /**
   * Sends the current status, then the latest status whenever it differs from the last one sent.
   * Like grpc-go, a slow reader gets the newest status rather than a backlog of stale ones.
   */
  async function* watch(request: HealthCheckRequest, context: HandlerContext): AsyncIterable<HealthCheckResponse> {
    const { signal } = context;
    let latest = statuses.get(request.service) ?? ServingStatus.SERVICE_UNKNOWN;
    let sent: ServingStatus | undefined;
    let wake: (() => void) | undefined;
    const unsubscribe = subscribe(request.service, (status) => {
      latest = status;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        if (latest !== sent) {
          sent = latest;
          yield create(HealthCheckResponseSchema, { status: sent });
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      // Shutdown sets NOT_SERVING and aborts in the same tick: the watcher must still hear the last status.
      if (latest !== sent) yield create(HealthCheckResponseSchema, { status: latest });
    } finally {
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
    }
  }

  const impl: ServiceImpl<typeof Health> = {
    check(request) {
      const status = statuses.get(request.service);
      if (status === undefined) {
        throw new ConnectError(`health status of service "${request.service}" is unknown: it was never set`, Code.NotFound);
      }
      return { status };
    },
    list() {
      const entries = [...statuses].map(([service, status]) => [service, { status }] as const);
      return { statuses: Object.fromEntries(entries) };
    },
    watch,
  };

  return {
    impl,
    setStatus,
    shutdown() {
      shuttingDown = true;
      for (const service of statuses.keys()) setStatus(service, ServingStatus.NOT_SERVING);
    },
  };
}
