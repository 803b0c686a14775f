import type { BenchServer } from "./bench-server-process.js";
import { runH2load } from "./h2load.js";
import { retryStalled } from "./h2load-output.js";
import { interleavedRounds, roundPlan, type Measure, type RoundPlan } from "./paired-rounds.js";
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

/** One round of one target: what h2load saw, and what the server spent. */
export interface LoadSample {
  rps: number;
  p50Us: number;
  p99Us: number;
  /**
   * The server's CPU time (user + system, all threads) per call during the run, in µs. Other work sharing the
   * core barely changes it, so it compares targets even when throughput is noisy: a saturated server's
   * throughput is the inverse of it.
   */
  cpuUsPerCall: number;
  command: string;
}

/** Medians over the rounds of one target, and the rounds themselves (for paired ratios). */
export interface LoadFigures {
  rps: number;
  p99Us: number;
  p50Us: number;
  cpuUsPerCall: number;
  rounds: LoadSample[];
  /** The distinct commands that ran (warm-ups have the same command with another -D). */
  commands: string[];
}

/** `-c 50 -m 10` */
export function shapeLabel(shape: LoadShape): string {
  return `-c ${shape.connections} -m ${shape.streams}`;
}

/** Runs `load` and reads the server's CPU time exactly around it: µs per succeeded call. */
export async function withServerCpu<R extends { succeeded: number }>(server: BenchServer, load: () => Promise<R>): Promise<R & { cpuUsPerCall: number }> {
  const before = (await server.stats(false)).cpuMs;
  const run = await load();
  const cpuUsPerCall = (((await server.stats(false)).cpuMs - before) * 1000) / run.succeeded;
  return { ...run, cpuUsPerCall };
}

/** One h2load run of `target` on `server` at `shape`, as a {@link Measure} of the paired rounds; logs each run. */
export function h2loadMeasure(ctx: RunContext, server: BenchServer, shape: LoadShape, target: LoadTarget, label = target.path): Measure<LoadSample> {
  return async (seconds) => {
    const run = await retryStalled(() => withServerCpu(server, async () => {
      const r = await runH2load({
        url: server.grpcUrl,
        path: target.path,
        frame: target.frame,
        connections: shape.connections,
        streams: shape.streams,
        warmUpSeconds: 0,
        durationSeconds: seconds,
        cores: ctx.cores.load,
      });
      return { ...r, succeeded: r.summary.succeeded };
    }), ctx.log);
    ctx.log(`  ${label} ${shapeLabel(shape)} ${seconds} s: ${Math.round(run.summary.rps)} calls/s, p99 ${Math.round(run.latencyUs.p99)} µs, server CPU ${run.cpuUsPerCall.toFixed(1)} µs/call`);
    return { rps: run.summary.rps, p50Us: run.latencyUs.p50, p99Us: run.latencyUs.p99, cpuUsPerCall: run.cpuUsPerCall, command: run.command };
  };
}

/** Medians of a target's rounds. */
export function loadFigures(rounds: LoadSample[]): LoadFigures {
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50Us: median(rounds.map((r) => r.p50Us)),
    p99Us: median(rounds.map((r) => r.p99Us)),
    cpuUsPerCall: median(rounds.map((r) => r.cpuUsPerCall)),
    rounds,
    commands: [...new Set(rounds.map((r) => r.command))],
  };
}

/**
 * Loads the targets in paired rounds ({@link interleavedRounds}: each warmed up once, then short rounds with the
 * order rotating), each on its own server (figures 2 and 9 compare two servers), and returns each target's
 * medians and rounds; `pairedRatios(a.rounds, b.rounds, …)` gives the ratio of each round.
 */
export async function loadAcross(
  ctx: RunContext,
  shape: LoadShape,
  targets: ReadonlyArray<{ server: BenchServer; target: LoadTarget; label?: string }>,
  plan: RoundPlan = roundPlan(ctx.full),
): Promise<LoadFigures[]> {
  const samples = await interleavedRounds(targets.map((t) => h2loadMeasure(ctx, t.server, shape, t.target, t.label)), plan);
  return samples.map(loadFigures);
}

/** {@link loadAcross} with every target on the same server. */
export function loadTargets(ctx: RunContext, server: BenchServer, shape: LoadShape, targets: LoadTarget[]): Promise<LoadFigures[]> {
  return loadAcross(ctx, shape, targets.map((target) => ({ server, target })));
}
