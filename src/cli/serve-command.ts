import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { createLogger } from "../server/create-logger.js";
import { DEFAULT_LIMITS } from "../server/server-limits.js";
import { parseAddress } from "../server/parse-address.js";
import { startServer, type ServerOptions } from "../server/start-server.js";
import { loadServerTls } from "../server/tls-options.js";
import { shownStoreUrl } from "../store/open-store.js";

/** Defaults of `flagwire serve`; each can be set by flag or environment variable. */
export const SERVE_DEFAULTS = {
  db: "./feature_flags.db",
  grpcListen: "127.0.0.1:50051",
  httpListen: "127.0.0.1:8080",
  logLevel: "info",
  shutdownDelayMs: "0",
};

/** `flagwire serve`: runs the server until SIGINT or SIGTERM, then shuts down gracefully. */
export function serveCommand(): Command {
  return new Command("serve")
    .description("run the flag server: native gRPC, plus Connect and gRPC-Web over HTTP/1.1")
    .addOption(new Option("--db <path|url>", "the database: a SQLite file path or sqlite:<path> URL, created on first start, or a postgres://user:pass@host:5432/db URL (libpq PG* variables and ?sslmode= honoured)").env("FLAGWIRE_DB").default(SERVE_DEFAULTS.db))
    .addOption(
      new Option("--grpc-listen <host:port>", "native gRPC listener")
        .env("FLAGWIRE_GRPC_LISTEN")
        .default(SERVE_DEFAULTS.grpcListen)
        .argParser(parseListenAddress),
    )
    .addOption(
      new Option("--http-listen <host:port>", "Connect and gRPC-Web listener")
        .env("FLAGWIRE_HTTP_LISTEN")
        .default(SERVE_DEFAULTS.httpListen)
        .argParser(parseListenAddress),
    )
    .addOption(
      new Option("--log-level <level>", "trace, debug, info, warn, error or silent").env("FLAGWIRE_LOG_LEVEL").default(SERVE_DEFAULTS.logLevel),
    )
    .addOption(
      new Option("--shutdown-delay <ms>", "how long health reports NOT_SERVING before the listeners stop at shutdown")
        .env("FLAGWIRE_SHUTDOWN_DELAY_MS")
        .default(SERVE_DEFAULTS.shutdownDelayMs)
        .argParser(parseMilliseconds),
    )
    .addOption(
      new Option("--heartbeat-interval <seconds>", "how often watch streams get a heartbeat")
        .env("FLAGWIRE_HEARTBEAT_INTERVAL")
        .default(15)
        .argParser((value) => parsePositive(value, "seconds")),
    )
    .addOption(
      new Option("--watch-queue-limit <messages>", "messages a watcher may fall behind before it is cut off (RESOURCE_EXHAUSTED)")
        .env("FLAGWIRE_WATCH_QUEUE_LIMIT")
        .default(10_000)
        .argParser((value) => parsePositive(value, "messages")),
    )
    .addOption(
      new Option("--watch-byte-limit <bytes>", "bytes a watcher may hold unread (queued, or buffered by its response) before it is cut off")
        .env("FLAGWIRE_WATCH_BYTE_LIMIT")
        .default(1024 * 1024)
        .argParser((value) => parsePositive(value, "bytes")),
    )
    .addOption(
      new Option("--watch-total-byte-limit <bytes>", "bytes all watchers may hold together; over it, the furthest behind are cut off")
        .env("FLAGWIRE_WATCH_TOTAL_BYTE_LIMIT")
        .default(256 * 1024 * 1024)
        .argParser((value) => parsePositive(value, "bytes")),
    )
    .addOption(
      new Option("--max-streams <count>", "open watch streams the server holds at most, all clients together")
        .env("FLAGWIRE_MAX_STREAMS")
        .default(DEFAULT_LIMITS.maxStreams)
        .argParser((value) => parsePositive(value, "streams")),
    )
    .addOption(
      new Option("--max-connections <count>", "open connections each listener holds at most")
        .env("FLAGWIRE_MAX_CONNECTIONS")
        .default(DEFAULT_LIMITS.maxConnections)
        .argParser((value) => parsePositive(value, "connections")),
    )
    .addOption(
      new Option("--retain-revisions <count>", "keep at least the last <count> changes in the log (default: keep all)")
        .env("FLAGWIRE_RETAIN_REVISIONS")
        .argParser((value) => parsePositive(value, "revisions")),
    )
    .addOption(
      new Option("--retain-days <days>", "keep at least the changes of the last <days> days (default: keep all)")
        .env("FLAGWIRE_RETAIN_DAYS")
        .argParser((value) => parsePositive(value, "days")),
    )
    .addOption(new Option("--tls-cert <file>", "PEM certificate (chain): serve TLS on both listeners").env("FLAGWIRE_TLS_CERT"))
    .addOption(new Option("--tls-key <file>", "PEM private key of --tls-cert").env("FLAGWIRE_TLS_KEY"))
    .addOption(
      new Option("--tls-client-ca <file>", "PEM CA: require client certificates signed by it (mutual TLS)").env("FLAGWIRE_TLS_CLIENT_CA"),
    )
    // No environment variable: commander would take any value (even "false") as set, and this one opens the server.
    .addOption(new Option("--insecure", "allow listening on non-loopback addresses while no API token exists (no authentication)"))
    .addOption(
      new Option("--allow-host <host,...>", "while no API token exists, also serve these Host names (besides localhost and IP addresses)")
        .env("FLAGWIRE_ALLOW_HOST")
        .argParser(parseHosts),
    )
    .addOption(
      new Option("--allow-origin <origin,...>", "browser origins that may call the HTTP listener cross-origin (CORS), or '*'")
        .env("FLAGWIRE_ALLOW_ORIGIN")
        .argParser(parseOrigins),
    )
    // No environment variable, like --insecure: it opens evaluation to anyone, so it is typed where it is seen.
    .addOption(
      new Option(
        "--flagd-unauthenticated",
        "with tokens on, let anyone evaluate flags over the flagd protocol (flagd.evaluation.v1/v2) without a token (stock flagd providers cannot send one)",
      ),
    )
    // Commander's negatable form: dashboard is true unless --no-dashboard is given.
    .addOption(new Option("--no-dashboard", "do not serve the admin dashboard at / of the HTTP port"))
    .addOption(new Option("--protect-health", "health checks need a reader token too").env("FLAGWIRE_PROTECT_HEALTH"))
    .addOption(new Option("--protect-reflection", "server reflection needs a reader token too").env("FLAGWIRE_PROTECT_REFLECTION"))
    .addOption(new Option("--public-metrics", "GET /metrics on the HTTP port needs no token (a reader token otherwise, once auth is on)").env("FLAGWIRE_PUBLIC_METRICS"))
    .addHelpText(
      "after",
      "\nEnvironment only: FLAGWIRE_BOOTSTRAP_TOKEN=<secret> creates (once) an admin token named bootstrap with that secret." +
        "\n\nExample:\n  flagwire serve --db ./feature_flags.db --grpc-listen 127.0.0.1:50051",
    )
    .action(async (opts: ServeOptions, command: Command) => {
      const logger = createLogger({ level: opts.logLevel });
      if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
        command.error("error: --tls-cert and --tls-key go together: give both, or neither for plaintext", { exitCode: 2 });
      }
      if (opts.tlsClientCa !== undefined && opts.tlsCert === undefined) {
        command.error("error: --tls-client-ca needs --tls-cert and --tls-key: client certificates are checked over TLS", { exitCode: 2 });
      }
      const tls =
        opts.tlsCert !== undefined && opts.tlsKey !== undefined
          ? loadServerTls({ certPath: opts.tlsCert, keyPath: opts.tlsKey, ...(opts.tlsClientCa !== undefined ? { clientCaPath: opts.tlsClientCa } : {}) })
          : undefined;
      const bootstrapToken = process.env.FLAGWIRE_BOOTSTRAP_TOKEN;
      const server = await startServer({
        dbPath: opts.db,
        grpcListen: opts.grpcListen,
        httpListen: opts.httpListen,
        logger,
        shutdownDelayMs: Number(opts.shutdownDelay),
        heartbeatIntervalMs: Number(opts.heartbeatInterval) * 1000,
        watchQueueLimit: Number(opts.watchQueueLimit),
        watchByteLimit: Number(opts.watchByteLimit),
        watchTotalByteLimit: Number(opts.watchTotalByteLimit),
        limits: { maxStreams: Number(opts.maxStreams), maxConnections: Number(opts.maxConnections) },
        retention: retentionOf(opts),
        insecure: opts.insecure === true,
        flagdUnauthenticated: opts.flagdUnauthenticated === true,
        protect: { health: opts.protectHealth === true, reflection: opts.protectReflection === true, publicMetrics: opts.publicMetrics === true },
        allowHosts: opts.allowHost ?? [],
        allowOrigins: opts.allowOrigin ?? [],
        dashboard: opts.dashboard !== false,
        ...(tls ? { tls } : {}),
        ...(bootstrapToken ? { bootstrapToken } : {}),
      });
      // Signals are handled before the start-up line is printed: whoever reads that line may stop us at once.
      const stop = (signal: string) => {
        logger.info({ signal }, "shutting down");
        server.close().then(
          () => {
            logger.info("stopped");
            logger.flush();
          },
          (err: unknown) => {
            logger.error({ err }, "shutdown failed");
            logger.flush();
            process.exitCode = 1;
          },
        );
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const scheme = tls ? "https" : "http";
      // A PostgreSQL URL without its password; a SQLite file as an absolute path.
      const dbShown = /^postgres(ql)?:/i.test(opts.db) ? shownStoreUrl(opts.db) : resolve(opts.db);
      const grpcAddress = `${hostOf(opts.grpcListen)}:${server.grpcPort}`;
      const httpUrl = `${scheme}://${hostOf(opts.httpListen)}:${server.httpPort}`;
      // For the person who started it: one plain line on stderr; stdout stays JSON for log shippers.
      process.stderr.write(
        `flagwire serving gRPC on ${tls ? "grpcs" : "grpc"}://${grpcAddress} and Connect/gRPC-Web on ${httpUrl}, ` +
          `database ${dbShown}, ${authSummary(server.tokens.authEnabled, opts.insecure === true)}\n`,
      );
      logger.info(
        {
          db: dbShown,
          grpc: grpcAddress,
          http: httpUrl,
          tls: tls !== undefined,
          auth: server.tokens.authEnabled,
          revision: server.engine.revision,
        },
        "flagwire serving",
      );
    });
}

interface ServeOptions {
  db: string;
  grpcListen: string;
  httpListen: string;
  logLevel: string;
  shutdownDelay: number | string;
  heartbeatInterval: number | string;
  watchQueueLimit: number | string;
  watchByteLimit: number | string;
  watchTotalByteLimit: number | string;
  maxStreams: number | string;
  maxConnections: number | string;
  retainRevisions?: number | string;
  retainDays?: number | string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  insecure?: boolean;
  flagdUnauthenticated?: boolean;
  protectHealth?: boolean;
  protectReflection?: boolean;
  publicMetrics?: boolean;
  allowHost?: string[];
  allowOrigin?: string[];
  dashboard?: boolean;
}

/** Without either limit the log keeps everything: it is also the audit trail. */
function retentionOf(opts: ServeOptions): ServerOptions["retention"] {
  if (opts.retainRevisions === undefined && opts.retainDays === undefined) return undefined;
  return {
    revisions: opts.retainRevisions === undefined ? undefined : Number(opts.retainRevisions),
    days: opts.retainDays === undefined ? undefined : Number(opts.retainDays),
  };
}

/** `--allow-host a.example,b.example`: host names as in a Host header, without port. */
function parseHosts(value: string): string[] {
  return commaList(value).map((host) => {
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(host)) {
      throw new InvalidArgumentError(`"${host}" is not a host name: give names like flags.internal, without scheme or port`);
    }
    return host.toLowerCase();
  });
}

/** `--allow-origin https://dash.example,http://localhost:5173`: origins exactly as browsers send them, or `*`. */
function parseOrigins(value: string): string[] {
  return commaList(value).map((origin) => {
    if (origin === "*") return origin;
    if (!/^https?:\/\/[^/?#@\s]+$/i.test(origin) || !URL.canParse(origin)) {
      throw new InvalidArgumentError(`"${origin}" is not an origin: give scheme://host[:port] without a path, e.g. https://dash.example.com, or '*'`);
    }
    return new URL(origin).origin;
  });
}

function commaList(value: string): string[] {
  const items = value.split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (items.length === 0) throw new InvalidArgumentError("give at least one value");
  return items;
}

function parsePositive(value: string, unit: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number of ${unit}`);
  return number;
}

/** A malformed listen address is a usage error (exit 2), refused before anything is opened. */
function parseListenAddress(value: string): string {
  try {
    parseAddress(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new InvalidArgumentError(`"${value}" is not a number of milliseconds`);
  return ms;
}

function authSummary(authEnabled: boolean, insecure: boolean): string {
  if (authEnabled) return "auth on (every call needs an API token)";
  return insecure ? "auth OFF (--insecure: anyone who reaches the ports may change every flag)" : "auth off (loopback only)";
}

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(":")) || "127.0.0.1";
}
