/**
 * What metrics and usage counting add to each Evaluate, measured in a tight loop (issue 17): one
 * `MethodMetrics.observe` (with its `performance.now()`) and one `UsageTracker.count`, against a loop that only
 * calls `performance.now()`, in the same run. Robust on a shared machine where figure 1's throughput is not.
 * Run: `npx tsc -p tsconfig.bench.json && node dist/bench/metrics-cost.js`.
 */
import { Registry } from "prom-client";
import { createUsageTracker } from "../src/engine/usage-tracker.js";
import { createRpcMetrics } from "../src/server/metrics/rpc-metrics.js";

const rpc = createRpcMetrics(new Registry());
const recorder = rpc.forMethod({
  service: "flagwire.v1.FeatureFlagService",
  method: "Evaluate",
  name: "flagwire.v1.FeatureFlagService/Evaluate",
  kind: "unary",
  readOnly: true,
});
const usage = await createUsageTracker({
  store: { recordUsage: () => Promise.resolve(), readUsage: () => Promise.resolve(new Map()), close: () => Promise.resolve() },
  flushIntervalMs: 0,
});
const names = Array.from({ length: 1000 }, (_, i) => `feature-${i}`);
const CALLS = 5_000_000;
let sink = 0;

function nsPerCall(fn: (i: number) => void): number {
  for (let i = 0; i < 200_000; i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / CALLS;
}

for (let round = 1; round <= 3; round++) {
  const base = nsPerCall(() => (sink += performance.now()));
  const observe = nsPerCall(() => recorder.observe("grpc", 0, (performance.now() - 1) / 1000));
  const count = nsPerCall((i) => usage.count(names[i % 1000] as string));
  console.log(`round ${round}: performance.now ${base.toFixed(1)} ns, observe ${observe.toFixed(1)} ns, count ${count.toFixed(1)} ns`);
}
if (sink < 0) console.log(sink);
