import type { Logger } from "pino";
import { logRefusedRpc, type RefusedRpc } from "./rpc-interceptor.js";

/** At most this many lines a second for requests refused before any handler ran; the rest are counted. */
export const REFUSAL_LINES_PER_SECOND = 20;

/**
 * Logs requests refused before any handler ran ({@link logRefusedRpc}), one line each up to
 * {@link REFUSAL_LINES_PER_SECOND} a second, then one summary line per second with how many were left out.
 * Such refusals cost a client nothing (no token, no valid message), so a flood of them must not flood the log.
 *
 * @example
 * const logRefused = createRefusalLog(logger);
 * listenHttp({ ..., onRefused: (refused) => logRefused("http", refused) });
 */
export function createRefusalLog(logger: Logger): (protocol: string, refused: RefusedRpc) => void {
  let windowStart = 0;
  let lines = 0;
  let suppressed = 0;
  return (protocol, refused) => {
    const now = performance.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      lines = 0;
    }
    if (lines < REFUSAL_LINES_PER_SECOND) {
      lines++;
      logRefusedRpc(logger, protocol, refused);
      return;
    }
    if (suppressed++ === 0) {
      // Once the window ends, say how many were left out; unref'd so that it never holds the process open.
      setTimeout(() => {
        logger.warn({ suppressed, linesPerSecond: REFUSAL_LINES_PER_SECOND }, "rpc lines suppressed: too many refused requests");
        suppressed = 0;
      }, 1000 - (now - windowStart)).unref();
    }
  };
}
