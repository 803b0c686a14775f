import type http2 from "node:http2";
import { callUnary, connect } from "./unary-call.js";

/** Options of {@link runUnaryLoad}. */
export interface UnaryLoadOptions {
  /** `http://host:port` of the gRPC listener. */
  url: string;
  /** `/package.Service/Method`. */
  path: string;
  /** The framed request body of the k-th call (k counts from 0 over warm-up and measurement). */
  body: (k: number) => Buffer;
  /** Callers that each keep exactly one call outstanding. */
  concurrency: number;
  /** Callers per connection (HTTP/2 streams in flight on each, as h2load's `-m`); default 1, a connection each. */
  callersPerConnection?: number;
  warmUpMs: number;
  durationMs: number;
}

/** What a load run measured. */
export interface UnaryLoadResult {
  /** OK calls per second during the measured window. */
  rps: number;
  ok: number;
  failed: number;
  /** Calls made in all, warm-up included. */
  calls: number;
  /** Latencies of the OK calls of the measured window, in µs. */
  latenciesUs: number[];
  /** The first failure, as `status: message`. */
  firstFailure?: string;
}

/**
 * A closed-loop load generator for unary gRPC calls whose bodies vary from call to call (h2load repeats one body,
 * which makes every write after the first a no-op). Each caller has one call in flight; callers share connections
 * `callersPerConnection` at a time (default: a connection each).
 */
export async function runUnaryLoad(options: UnaryLoadOptions): Promise<UnaryLoadResult> {
  const sessions: http2.ClientHttp2Session[] = [];
  const perConnection = Math.max(1, options.callersPerConnection ?? 1);
  for (let i = 0; i < Math.ceil(options.concurrency / perConnection); i++) sessions.push(await connect(options.url));
  let k = 0;
  let measuring = false;
  let stopping = false;
  const result: UnaryLoadResult = { rps: 0, ok: 0, failed: 0, calls: 0, latenciesUs: [] };
  const caller = async (session: http2.ClientHttp2Session) => {
    while (!stopping) {
      const started = performance.now();
      const outcome = await callUnary(session, options.path, options.body(k++));
      if (!measuring) continue; // calls count when they complete inside the window, as in h2load
      if (outcome.status === 0) {
        result.ok++;
        result.latenciesUs.push((performance.now() - started) * 1000);
      } else {
        result.failed++;
        result.firstFailure ??= `${outcome.status}: ${outcome.message}`;
      }
    }
  };
  const callers = Array.from({ length: options.concurrency }, (_, i) => caller(sessions[Math.floor(i / perConnection)] as http2.ClientHttp2Session));
  await sleep(options.warmUpMs);
  measuring = true;
  const windowStart = performance.now();
  await sleep(options.durationMs);
  measuring = false;
  const windowMs = performance.now() - windowStart;
  stopping = true;
  await Promise.all(callers);
  for (const session of sessions) session.close();
  result.rps = (result.ok / windowMs) * 1000;
  result.calls = k;
  return result;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
