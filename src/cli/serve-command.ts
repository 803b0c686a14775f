import { Command, InvalidArgumentError, Option } from "commander";
import { createLogger } from "../server/create-logger.js";
import { startServer, type ServerOptions } from "../server/start-server.js";

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
    .addOption(new Option("--db <path>", "SQLite database file, created on first start").env("FLAGWIRE_DB").default(SERVE_DEFAULTS.db))
    .addOption(
      new Option("--grpc-listen <host:port>", "native gRPC listener").env("FLAGWIRE_GRPC_LISTEN").default(SERVE_DEFAULTS.grpcListen),
    )
    .addOption(
      new Option("--http-listen <host:port>", "Connect and gRPC-Web listener").env("FLAGWIRE_HTTP_LISTEN").default(SERVE_DEFAULTS.httpListen),
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
      new Option("--retain-revisions <count>", "keep at least the last <count> changes in the log (default: keep all)")
        .env("FLAGWIRE_RETAIN_REVISIONS")
        .argParser((value) => parsePositive(value, "revisions")),
    )
    .addOption(
      new Option("--retain-days <days>", "keep at least the changes of the last <days> days (default: keep all)")
        .env("FLAGWIRE_RETAIN_DAYS")
        .argParser((value) => parsePositive(value, "days")),
    )
    .addHelpText("after", "\nExample:\n  flagwire serve --db ./feature_flags.db --grpc-listen 127.0.0.1:50051")
    .action(async (opts: ServeOptions) => {
      const logger = createLogger({ level: opts.logLevel });
      const server = await startServer({
        dbPath: opts.db,
        grpcListen: opts.grpcListen,
        httpListen: opts.httpListen,
        logger,
        shutdownDelayMs: Number(opts.shutdownDelay),
        heartbeatIntervalMs: Number(opts.heartbeatInterval) * 1000,
        watchQueueLimit: Number(opts.watchQueueLimit),
        retention: retentionOf(opts),
      });
      logger.info(
        {
          db: opts.db,
          grpc: `${hostOf(opts.grpcListen)}:${server.grpcPort}`,
          http: `http://${hostOf(opts.httpListen)}:${server.httpPort}`,
          revision: server.engine.revision,
        },
        "flagwire serving",
      );
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
  retainRevisions?: number | string;
  retainDays?: number | string;
}

/** Without either limit the log keeps everything: it is also the audit trail. */
function retentionOf(opts: ServeOptions): ServerOptions["retention"] {
  if (opts.retainRevisions === undefined && opts.retainDays === undefined) return undefined;
  return {
    revisions: opts.retainRevisions === undefined ? undefined : Number(opts.retainRevisions),
    days: opts.retainDays === undefined ? undefined : Number(opts.retainDays),
  };
}

function parsePositive(value: string, unit: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number of ${unit}`);
  return number;
}

function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new InvalidArgumentError(`"${value}" is not a number of milliseconds`);
  return ms;
}

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(":")) || "127.0.0.1";
}
