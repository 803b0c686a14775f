/**
 * Percentile by nearest rank on sorted data: the smallest value with at least `p`% of the samples at or below it.
 * Nearest rank never invents a value between two samples, so a p99 is a latency that a request really had.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0] as number;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/** Sorts a copy of `values` ascending (numerically, not as strings). */
export function sortedCopy(values: Iterable<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** The median of `values`; NaN when empty. */
export function median(values: Iterable<number>): number {
  return percentile(sortedCopy(values), 50);
}

/** p50, p99 and max of a set of latencies, in their own unit. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Summarizes latencies (any unit). */
export function summarizeLatencies(values: Iterable<number>): LatencySummary {
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  };
}
