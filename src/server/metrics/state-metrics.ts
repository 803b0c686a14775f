import type { Registry } from "prom-client";
import type { FlagState } from "../../domain/flag-state.js";
import { registerCollected } from "./collected-metric.js";

/** What the state gauges read from the engine, at scrape time only. */
export interface StateSource {
  readonly revision: number;
  readonly state: FlagState;
}

/**
 * Registers `flagwire_revision` and `flagwire_state_size{kind}` (features, customers, users, overrides, segments),
 * read from the engine's state when scraped: nothing on the write path.
 */
export function registerStateMetrics(registry: Registry, source: () => StateSource | undefined): void {
  registerCollected(registry, {
    name: "flagwire_revision",
    help: "The latest revision applied to this server's state.",
    type: "gauge",
    samples: () => [{ labels: {}, value: source()?.revision ?? 0 }],
  });
  registerCollected(registry, {
    name: "flagwire_state_size",
    help: "Records in the state by kind: features, customers, users, overrides (customer and user), segments.",
    type: "gauge",
    samples: () => {
      const state = source()?.state;
      if (!state) return [];
      let overrides = 0;
      for (const feature of state.features.values()) overrides += feature.customerOverrides.size + feature.userOverrides.size;
      const sizes = { features: state.features.size, customers: state.customers.size, users: state.users.size, overrides, segments: state.segments.size };
      return Object.entries(sizes).map(([kind, value]) => ({ labels: { kind }, value }));
    },
  });
}
