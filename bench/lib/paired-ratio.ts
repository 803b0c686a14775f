import { percentile, sortedCopy } from "./stats.js";

/**
 * The spread of a figure's per-round values: median, interquartile range and extremes. Quartiles are nearest-rank
 * percentiles (p25, p50, p75) like every percentile of the suite, so each is a value some round really had.
 */
export interface Spread {
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
  n: number;
}

/** The spread of `values` (NaN fields when there are none). */
export function spreadOf(values: Iterable<number>): Spread {
  const sorted = sortedCopy(values);
  return {
    median: percentile(sorted, 50),
    q1: percentile(sorted, 25),
    q3: percentile(sorted, 75),
    min: sorted.length === 0 ? Number.NaN : (sorted[0] as number),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
    n: sorted.length,
  };
}

/**
 * One ratio per round from samples measured in the same rounds (`a[i]` and `b[i]` a few seconds apart): drift of
 * the shared machine between rounds then cancels in each ratio instead of landing on one side of it.
 */
export function pairedRatios<T>(a: readonly T[], b: readonly T[], ratio: (a: T, b: T) => number): number[] {
  if (a.length !== b.length) throw new Error(`paired samples differ in length: ${a.length} vs ${b.length}`);
  return a.map((x, i) => ratio(x, b[i] as T));
}

/** A figure's target on its ratio: `≥ 0.9×` is `{ op: ">=", value: 0.9 }`. */
export interface RatioTarget {
  op: ">=" | "<=";
  value: number;
  /** How the table prints it when not `≥ 0.9×` (e.g. `≥ 3× faster`). */
  label?: string;
}

/** `≥ 0.9×`, or the target's own label. */
export function targetLabel(target: RatioTarget): string {
  return target.label ?? `${target.op === ">=" ? "≥" : "≤"} ${target.value}×`;
}

/**
 * The result of a ratio against its target. "within noise" when the interquartile range of the paired ratios
 * straddles the target: half the rounds or more lie on the other side of it from at least a quarter of them, so
 * the run does not tell pass from miss.
 */
export type Verdict = "pass" | "miss" | "within noise";

/**
 * For `≥ t`: pass when q1 ≥ t (the whole IQR at or above t), miss when q3 < t, else within noise; `≤ t`
 * mirrors it (pass when q3 ≤ t, miss when q1 > t). The median lies in the IQR, so a resolved verdict is always
 * the median's own side. With one round the IQR is that round, so it always resolves.
 */
export function judge(spread: Spread, target: RatioTarget): Verdict {
  if (target.op === ">=") {
    if (spread.q1 >= target.value) return "pass";
    if (spread.q3 < target.value) return "miss";
  } else {
    if (spread.q3 <= target.value) return "pass";
    if (spread.q1 > target.value) return "miss";
  }
  return "within noise";
}

/** `0.93× (IQR 0.88-0.97, n=10)`; just `0.93×` for a single round. */
export function formatRatio(spread: Spread): string {
  const x = (v: number) => v.toFixed(2);
  return spread.n > 1 ? `${x(spread.median)}× (IQR ${x(spread.q1)}-${x(spread.q3)}, n=${spread.n})` : `${x(spread.median)}×`;
}

/** `median 0.93×, IQR 0.88-0.97, min-max 0.80-1.02 over 10 paired rounds`, for a figure's details. */
export function describeRatio(spread: Spread): string {
  const x = (v: number) => v.toFixed(2);
  return `median ${x(spread.median)}×, IQR ${x(spread.q1)}-${x(spread.q3)}, min-max ${x(spread.min)}-${x(spread.max)} over ${spread.n} paired round${spread.n === 1 ? "" : "s"}`;
}
