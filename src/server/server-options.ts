import type { Logger } from "pino";
import type { FlagEngine } from "../engine/flag-engine.js";
import type { UsageTracker } from "../engine/usage-tracker.js";
import type { RetentionPolicy } from "../store/flag-store.js";
import type { ProtectedInfrastructure } from "./auth/method-roles.js";
import type { ServerMetrics } from "./metrics/create-server-metrics.js";
import type { ServerLimits } from "./server-limits.js";
import type { ServerTls } from "./tls-options.js";
import type { GrpcService } from "./grpc/create-grpc-service.js";
import type { HttpRoute } from "./http/http-route.js";
import type { TokenRegistry } from "../engine/token-registry.js";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** The database: a SQLite file (a path or `sqlite:` URL), created on first start; see `openStore`. */
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
  /** Messages a watcher may have queued before it is cut off; default 10,000. */
  watchQueueLimit?: number;
  /** Bytes a watcher may hold unread (queued, plus buffered by its HTTP response) before it is cut off; default 1 MiB. */
  watchByteLimit?: number;
  /** Bytes all watchers may hold together; when over, the furthest behind are cut off; default 256 MiB. */
  watchTotalByteLimit?: number;
  /** How often watch streams get a heartbeat; default 15,000 ms. */
  heartbeatIntervalMs?: number;
  /** Which changes the log keeps; default all. */
  retention?: RetentionPolicy;
  /** Limits on streams, connections and slow clients; see {@link DEFAULT_LIMITS}. */
  limits?: Partial<ServerLimits>;
  /** Both listeners serve TLS with this certificate (and require client certificates when it has a client CA). */
  tls?: ServerTls;
  /** How often evaluation counts are flushed to the database (summed with other servers'); default 10,000 ms. */
  usageFlushIntervalMs?: number;
  /** Creates (once) an admin token with this secret, named `bootstrap`: FLAGWIRE_BOOTSTRAP_TOKEN. */
  bootstrapToken?: string;
  /** Listen on non-loopback addresses even though no API token exists, so that anyone may call anything. */
  insecure?: boolean;
  /** Host names the HTTP listener serves besides loopback ones and IP addresses while authentication is off (`--allow-host`). */
  allowHosts?: readonly string[];
  /** Browser origins that may call the HTTP listener cross-origin, with CORS (`--allow-origin`); `*` for any. */
  allowOrigins?: readonly string[];
  /**
   * Let anyone who reaches a listener call the flagd evaluation services (evaluation only) while authentication is
   * on (`--flagd-unauthenticated`): the stock flagd providers cannot send a token. Without it, with a client CA in
   * `tls`, the verified client certificate admits them; otherwise they need a reader token.
   */
  flagdUnauthenticated?: boolean;
  /** Make health and/or reflection need a reader token too; both are open by default. */
  protect?: ProtectedInfrastructure;
  /**
   * More services for the gRPC listener, served by the same grpc-js server as FeatureFlagService. Only the
   * benchmarks use it, to measure an echo RPC on the very same stack as the baseline of `Evaluate`.
   */
  extraGrpcServices?: GrpcService[];
  /**
   * More routes for the HTTP listener, after flagwire's own. Only the benchmarks use it, to measure a no-op route on
   * the very same node:http listener as the baseline of OFREP.
   */
  extraHttpRoutes?: readonly HttpRoute[];
  /** Internal, for the tests that compare answers: false serves every Connect call through connect-node; default on. */
  httpFastPath?: boolean;
  /** The admin dashboard at `/` of the HTTP port: on by default (the built `dist/web`), a folder of built files, or false (`--no-dashboard`). */
  dashboard?: boolean | { dir: string };
}

/** A running flagwire server. */
export interface RunningServer {
  grpcPort: number;
  httpPort: number;
  engine: FlagEngine;
  tokens: TokenRegistry;
  /** This server's metrics (served at `GET /metrics` on the HTTP port). */
  metrics: ServerMetrics;
  /** Evaluation counts: flushed every `usageFlushIntervalMs` and at close; `flush()` to write them now. */
  usage: UsageTracker;
  /** Graceful stop: NOT_SERVING, stop accepting, end streams with UNAVAILABLE, finish calls, close the DB. */
  close(): Promise<void>;
}
