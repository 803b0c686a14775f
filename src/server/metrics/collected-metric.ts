import type { Metric, Registry } from "prom-client";

/** One sample of a {@link CollectedMetric}: `name` suffixes such as `_bucket` go in `metricName`. */
export interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** A metric whose samples are read from our own counters when scraped. */
export interface CollectedMetric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  samples(): Sample[];
}

/**
 * Registers a metric that prom-client formats but does not count: the hot path then updates plain numbers of ours
 * (no label hashing or string building per call, which prom-client's own `labels().observe()` does every time),
 * and the samples are built only at scrape time. The registry reads `name`, `help`, `type` and `get()` of what it
 * holds, which is all this object has.
 */
export function registerCollected(registry: Registry, metric: CollectedMetric): void {
  const adapter = {
    name: metric.name,
    help: metric.help,
    type: metric.type,
    aggregator: "sum",
    get: () => Promise.resolve({ name: metric.name, help: metric.help, type: metric.type, aggregator: "sum", values: metric.samples() }),
    reset: () => undefined,
  };
  registry.registerMetric(adapter as unknown as Metric);
}

/** Histogram samples (`_bucket` per bound and +Inf, cumulative; `_sum`; `_count`) from per-bucket counts. */
export function histogramSamples(
  name: string,
  labels: Record<string, string | number>,
  bounds: readonly number[],
  buckets: ArrayLike<number>,
  sum: number,
  count: number,
): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    cumulative += buckets[i] as number;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bounds[i] as number }, value: cumulative });
  }
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, value: count });
  out.push({ metricName: `${name}_sum`, labels, value: sum });
  out.push({ metricName: `${name}_count`, labels, value: count });
  return out;
}
