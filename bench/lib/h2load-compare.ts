import type { BenchServer } from "./bench-server-process.js";
import { runH2load, type H2loadRun } from "./h2load.js";
import { median } from "./stats.js";
import type { RunContext } from "./figure.js";

/** An h2load load shape: `-c` connections with `-m` streams each. */
export interface LoadShape {
  connections: number;
  streams: number;
}

/** The two shapes of figure 1: saturated throughput, and one call at a time (latency). */
export const LOAD_SHAPES: readonly LoadShape[] = [
  { connections: 50, streams: 10 },
  { connections: 1, streams: 1 },
];

/** A unary gRPC call to load: path and framed request. */
export interface LoadTarget {
  path: string;
  frame: Buffer;
}

/** Medians over the rounds of one target at one shape. */
export interface LoadFigures {
  rps: number;
  p99Us: number;
  p50Us: number;
  /**
   * The server's CPU time (user + system, all threads) per call during the measured runs, in µs. Other work
   * sharing the core barely changes it, so it compares targets even when throughput is noisy: a saturated
   * server's throughput is the inverse of it.
   */
  cpuUsPerCall: number;
  runs: H2loadRun[];
}

/** `-c 50 -m 10` */
export function shapeLabel(shape: LoadShape): string {
  return `-c ${shape.connections} -m ${shape.streams}`;
}

/**
 * Runs h2load on each target in turn, round after round (A B A B… rather than A A B B, so that drift of the
 * shared machine hits every target alike), and returns each target's medians. Each target is warmed up by a
 * separate h2load run first, so that the server's CPU time can be read exactly around each measured run.
 */
export async function loadTargets(ctx: RunContext, server: BenchServer, shape: LoadShape, targets: LoadTarget[]): Promise<LoadFigures[]> {
  const rounds = ctx.full ? 3 : 1;
  const runs: H2loadRun[][] = targets.map(() => []);
  const cpu: number[][] = targets.map(() => []);
  const h2load = (target: LoadTarget, seconds: number) =>
    runH2load({
      url: server.grpcUrl,
      path: target.path,
      frame: target.frame,
      connections: shape.connections,
      streams: shape.streams,
      warmUpSeconds: 0,
      durationSeconds: seconds,
      cores: ctx.cores.load,
    });
  for (const target of targets) await h2load(target, ctx.full ? 2 : 1);
  for (let round = 0; round < rounds; round++) {
    for (const [i, target] of targets.entries()) {
      const before = await server.stats(false);
      const run = await h2load(target, ctx.full ? 10 : 4);
      const cpuUs = (((await server.stats(false)).cpuMs - before.cpuMs) * 1000) / run.summary.succeeded;
      ctx.log(
        `  ${target.path} ${shapeLabel(shape)}: ${Math.round(run.summary.rps)} calls/s, p99 ${Math.round(run.latencyUs.p99)} µs, server CPU ${cpuUs.toFixed(1)} µs/call`,
      );
      runs[i]?.push(run);
      cpu[i]?.push(cpuUs);
    }
  }
  return runs.map((list, i) => ({
    rps: median(list.map((r) => r.summary.rps)),
    p99Us: median(list.map((r) => r.latencyUs.p99)),
    p50Us: median(list.map((r) => r.latencyUs.p50)),
    cpuUsPerCall: median(cpu[i] ?? []),
    runs: list,
  }));
}
