import type { RunContext } from "./figure.js";
import { pairedRatios, spreadOf, type Spread } from "./paired-ratio.js";

/** What one measured run of one target reports; load figures add latencies and the server's CPU per call. */
export interface RoundSample {
  /** Calls (or transactions) per second. */
  rps: number;
}

/** Runs one target's load for `seconds` and reports it. */
export type Measure<S extends RoundSample = RoundSample> = (seconds: number) => Promise<S>;

/** How many rounds of how long, and each target's warm-up before the first round (0: none). */
export interface RoundPlan {
  rounds: number;
  seconds: number;
  warmUpSeconds: number;
}

/**
 * The suite's rounds: with --full 10 rounds of 2 s per target (after a 2 s warm-up each); quick, 6 rounds of 1 s
 * (after 1 s). An even count, so that with two targets each goes first equally often.
 */
export function roundPlan(full: boolean): RoundPlan {
  return full ? { rounds: 10, seconds: 2, warmUpSeconds: 2 } : { rounds: 6, seconds: 1, warmUpSeconds: 1 };
}

/**
 * Warms every target up once, then runs `plan.rounds` rounds of every target, `plan.seconds` each; round r
 * starts at target r mod n (A B, B A, … for two), so that no target always follows the same one. Returns each
 * target's samples in round order: `samples[t][r]` and `samples[u][r]` were measured seconds apart.
 */
export async function interleavedRounds<S extends RoundSample>(measures: ReadonlyArray<Measure<S>>, plan: RoundPlan): Promise<S[][]> {
  if (plan.warmUpSeconds > 0) for (const measure of measures) await measure(plan.warmUpSeconds);
  const samples: S[][] = measures.map(() => []);
  for (let round = 0; round < plan.rounds; round++) {
    for (let k = 0; k < measures.length; k++) {
      const t = (k + round) % measures.length;
      (samples[t] as S[]).push(await (measures[t] as Measure<S>)(plan.seconds));
    }
  }
  return samples;
}

/** Both targets' samples by round, the ratio of each round, and their spread. */
export interface PairedResult<S extends RoundSample> {
  a: S[];
  b: S[];
  ratios: number[];
  spread: Spread;
}

/**
 * The paired ruler for a figure that has just two targets: `a` and `b` in interleaved rounds (see
 * {@link interleavedRounds}), one ratio per round (`a.rps / b.rps` unless `ratio` says otherwise), and the spread
 * of those ratios, for `judgedRow()` (bench/lib/figure.ts) to turn into a table row. For example, figure 4's
 * SetOverride against the echo RPC, with any load generator that can run for a given time:
 *
 * ```ts
 * const paired = await pairedRounds(ctx, {
 *   a: async (seconds) => {
 *     const w = await runUnaryLoad({ ...setOverride, warmUpMs: 0, durationMs: seconds * 1000 });
 *     return { rps: w.rps };
 *   },
 *   b: async (seconds) => ({ rps: (await runH2load({ ...echo, durationSeconds: seconds })).summary.rps }),
 * });
 * rows.push(judgedRow({ id: "4", what: "SetOverride throughput", value: fmt.rps(median(paired.a.map((s) => s.rps))),
 *   baseline: "echo …", spread: paired.spread, target: { op: ">=", value: 0.5 } }));
 * ```
 *
 * `plan` defaults to {@link roundPlan}(ctx.full); each round is logged with its ratio.
 */
export async function pairedRounds<S extends RoundSample>(
  ctx: RunContext,
  options: { a: Measure<S>; b: Measure<S>; plan?: RoundPlan; ratio?: (a: S, b: S) => number; label?: string },
): Promise<PairedResult<S>> {
  const ratio = options.ratio ?? ((a: S, b: S) => a.rps / b.rps);
  const [a, b] = (await interleavedRounds([options.a, options.b], options.plan ?? roundPlan(ctx.full))) as [S[], S[]];
  const ratios = pairedRatios(a, b, ratio);
  ratios.forEach((r, i) => ctx.log(`  ${options.label ?? "paired"} round ${i + 1}: ${Math.round(a[i]?.rps ?? 0)} vs ${Math.round(b[i]?.rps ?? 0)}/s, ratio ${r.toFixed(3)}`));
  return { a, b, ratios, spread: spreadOf(ratios) };
}
