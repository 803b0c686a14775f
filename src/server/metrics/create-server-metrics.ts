import { collectDefaultMetrics, Registry } from "prom-client";
import { createEngineMetrics, type EngineMetrics } from "./engine-metrics.js";
import { createRpcMetrics, type RpcMetrics } from "./rpc-metrics.js";
import { registerStateMetrics, type StateSource } from "./state-metrics.js";

/** The metrics of one server instance, on a registry of its own. */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly rpc: RpcMetrics;
  readonly engine: EngineMetrics;
  /** Where the state gauges read from, once the engine exists. */
  attachState(source: StateSource): void;
}

/**
 * Creates a server's metrics: a fresh Registry (never prom-client's global one: several servers run in one
 * test process), the default process metrics, and flagwire's own (see README "Metrics").
 */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let state: StateSource | undefined;
  registerStateMetrics(registry, () => state);
  return {
    registry,
    rpc: createRpcMetrics(registry),
    engine: createEngineMetrics(registry),
    attachState(source) {
      state = source;
    },
  };
}
