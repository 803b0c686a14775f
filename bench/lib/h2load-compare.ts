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
  runs: H2loadRun[];
}

/** `-c 50 -m 10` */
export function shapeLabel(shape: LoadShape): string {
  return `-c ${shape.connections} -m ${shape.streams}`;
}

/**
 * Runs h2load on each target in turn, round after round (A B A B… rather than A A B B, so that drift of the
 * shared machine hits every target alike), and returns each target's medians.
 */
export async function loadTargets(ctx: RunContext, url: string, shape: LoadShape, targets: LoadTarget[]): Promise<LoadFigures[]> {
  const rounds = ctx.full ? 3 : 1;
  const runs: H2loadRun[][] = targets.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, target] of targets.entries()) {
      const run = await runH2load({
        url,
        path: target.path,
        frame: target.frame,
        connections: shape.connections,
        streams: shape.streams,
        warmUpSeconds: ctx.full ? 2 : 1,
        durationSeconds: ctx.full ? 10 : 4,
        cores: ctx.cores.load,
      });
      ctx.log(`  ${target.path} ${shapeLabel(shape)}: ${Math.round(run.summary.rps)} calls/s, p99 ${Math.round(run.latencyUs.p99)} µs`);
      runs[i]?.push(run);
    }
  }
  return runs.map((list) => ({
    rps: median(list.map((r) => r.summary.rps)),
    p99Us: median(list.map((r) => r.latencyUs.p99)),
    p50Us: median(list.map((r) => r.latencyUs.p50)),
    runs: list,
  }));
}
