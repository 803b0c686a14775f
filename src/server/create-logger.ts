import { destination, levels, pino, type Logger } from "pino";

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level: trace, debug, info, warn, error, fatal or silent. */
  level?: string;
}

/**
 * The server's structured logger: JSON lines on stdout, written asynchronously so that logging one line
 * per RPC stays off the request's critical path.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  if (!(level in levels.values) && level !== "silent") {
    throw new Error(`log level ${JSON.stringify(level)} is unknown: use trace, debug, info, warn, error, fatal or silent`);
  }
  return pino({ level, base: { service: "flagwire" } }, destination({ sync: false }));
}
