import { Counter, Histogram, type Registry } from "prom-client";
import type { EngineObserver } from "../../engine/engine-observer.js";

/** Operations whose storage failures are counted: the engine's, and the usage flush. */
export type StorageOperation = "write" | "catch_up" | "usage_flush";

/** The engine's observer, feeding metrics, and the counter of storage failures for the server's own operations. */
export interface EngineMetrics {
  observer: EngineObserver;
  storageFailed(operation: StorageOperation): void;
}

/**
 * Registers group commit sizes and latency, replication lag and storage errors on `registry`. These move once per
 * commit, not per call: prom-client's own metrics are cheap enough here.
 */
export function createEngineMetrics(registry: Registry): EngineMetrics {
  const batch = new Histogram({
    name: "flagwire_group_commit_writes",
    help: "Writes per group commit (one durable store transaction).",
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "flagwire_group_commit_duration_seconds",
    help: "How long a group commit's store transaction took until durable, in seconds.",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  const lag = new Histogram({
    name: "flagwire_replication_lag_seconds",
    help: "Time from another process's commit of a change (its `at`) until this process applied it, in seconds.",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const errors = new Counter({
    name: "flagwire_storage_errors_total",
    help: "Failed storage operations by operation (write, catch_up: reading others' commits, usage_flush).",
    labelNames: ["operation"],
    registers: [registry],
  });
  for (const operation of ["write", "catch_up", "usage_flush"]) errors.labels(operation).inc(0);
  return {
    observer: {
      committed(writes, seconds) {
        batch.observe(writes);
        latency.observe(seconds);
      },
      // Clocks of two machines may disagree a little: a negative lag is reported as none.
      appliedElsewhere: (lagMs) => lag.observe(Math.max(0, lagMs) / 1000),
      storageFailed: (operation) => errors.labels(operation).inc(),
    },
    storageFailed: (operation) => errors.labels(operation).inc(),
  };
}
