import type { DatasetShape } from "./dataset.js";
import { exited, forkPinned, nextMessage } from "./fork-pinned.js";
import type { UnaryLoadResult } from "./unary-load.js";

/** The bodies a load process sends: figure 4's k-th write, or one fixed frame (the echo). */
export type LoadBodies = { kind: "set-override"; shape: DatasetShape } | { kind: "fixed"; frameBase64: string };

/** Options of {@link runForkedLoad}. */
export interface ForkedLoadOptions {
  url: string;
  path: string;
  bodies: LoadBodies;
  /** Load processes; the callers and the sequence of bodies are dealt out between them. */
  processes: number;
  /** Callers in all, each with one call in flight. */
  concurrency: number;
  /** Callers per HTTP/2 connection (h2load's `-m`). */
  callersPerConnection: number;
  warmUpMs: number;
  durationMs: number;
  /** Cores to pin the load processes to. */
  cores: string;
  /** The index of the first body of the sequence (0 by default): where a previous run stopped, so no write repeats. */
  start?: number;
}

/** Parent to child. */
export interface LoadRequest {
  type: "run";
  url: string;
  path: string;
  bodies: LoadBodies;
  concurrency: number;
  callersPerConnection: number;
  warmUpMs: number;
  durationMs: number;
  /** This process sends bodies `k * stride + offset`, so that processes never send the same write at once. */
  offset: number;
  stride: number;
  /** Added to every body index: see {@link ForkedLoadOptions.start}. */
  start: number;
}

/** Child to parent. */
export interface LoadReply {
  type: "result";
  result: UnaryLoadResult;
}

/**
 * A closed-loop load of unary calls with varying bodies from several Node processes (`runUnaryLoad` in each,
 * bench/lib/write-load-child.ts), results summed: one Node process spends more CPU per call than h2load and
 * tops out below the echo's own ceiling, which the write figures divide by.
 */
export async function runForkedLoad(options: ForkedLoadOptions): Promise<UnaryLoadResult> {
  const children = Array.from({ length: options.processes }, () => forkPinned("./write-load-child.js", [], options.cores));
  try {
    const replies = children.map((child, p) => {
      const reply = nextMessage<LoadReply>(child, "result", options.warmUpMs + options.durationMs + 60_000);
      const share = Math.floor(options.concurrency / options.processes) + (p < options.concurrency % options.processes ? 1 : 0);
      const request: LoadRequest = {
        type: "run",
        url: options.url,
        path: options.path,
        bodies: options.bodies,
        concurrency: share,
        callersPerConnection: options.callersPerConnection,
        warmUpMs: options.warmUpMs,
        durationMs: options.durationMs,
        offset: p,
        stride: options.processes,
        start: options.start ?? 0,
      };
      child.send(request);
      return reply;
    });
    return sumResults((await Promise.all(replies)).map((reply) => reply.result));
  } finally {
    for (const child of children) child.kill();
    await Promise.all(children.map((child) => exited(child, 5000)));
  }
}

/** The runs of several processes over the same window as one: rates and counts add up. */
export function sumResults(results: readonly UnaryLoadResult[]): UnaryLoadResult {
  const sum: UnaryLoadResult = { rps: 0, ok: 0, failed: 0, calls: 0, latenciesUs: [] };
  for (const result of results) {
    sum.rps += result.rps;
    sum.ok += result.ok;
    sum.failed += result.failed;
    sum.calls += result.calls;
    for (const latency of result.latenciesUs) sum.latenciesUs.push(latency);
    sum.firstFailure ??= result.firstFailure;
  }
  return sum;
}

/**
 * A measuring function of the shape the paired ruler takes, `(seconds) => Promise<{ rps, ... }>`: each call runs
 * the forked load for `seconds` (after the options' warm-up), going on with the body sequence where the last call
 * stopped, so that a write of one round never repeats one of an earlier round (a repeated SetOverride is a no-op).
 */
export function forkedLoadMeter(options: Omit<ForkedLoadOptions, "durationMs" | "start">): (seconds: number) => Promise<UnaryLoadResult> {
  let start = 0;
  return async (seconds) => {
    const result = await runForkedLoad({ ...options, durationMs: seconds * 1000, start });
    // Exact with one process (the 2-core plan); with several, processes that ran unevenly may repeat a few bodies.
    start += result.calls;
    return result;
  };
}
