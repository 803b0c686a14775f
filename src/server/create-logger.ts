import { destination, levels, pino, type Logger } from "pino";

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level: trace, debug, info, warn, error, fatal or silent. */
  level?: string;
}

/** How long a log line may wait in the buffer when traffic is low. */
const FLUSH_INTERVAL_MS = 500;

/**
 * The server's structured logger: JSON lines on stdout, written asynchronously and in 4 KiB batches (one
 * write per line cost more than a whole evaluation), flushed at least every half second.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  if (!(level in levels.values) && level !== "silent") {
    throw new Error(`log level ${JSON.stringify(level)} is unknown: use trace, debug, info, warn, error, fatal or silent`);
  }
  const logger = pino({ level, base: { service: "flagwire" } }, destination({ sync: false, minLength: 4096 }));
  setInterval(() => logger.flush(), FLUSH_INTERVAL_MS).unref();
  return logger;
}
