/**
 * Figure 3's measurement, in a process of its own pinned to one core: ns per evaluation of a customer-list rule
 * by flagwire's engine snapshot, by the client cache (`createFlagCache()` following a real server in this process, idle
 * once current) and by @openfeature/flagd-core, alternately, round after round.
 *
 * argv: <rounds> <calls per round>
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlagdCore } from "@openfeature/flagd-core";
import { pino } from "pino";
import { createFlagClient } from "../../src/client/create-flag-client.js";
import { createFlagCache } from "../../src/client/create-flag-cache.js";
import { startServer } from "../../src/server/start-server.js";
import { median } from "../lib/stats.js";
import { CONTEXTS, customerListFlagdConfig, FEATURE, LISTED, seedCustomerListRule } from "./customer-list-rule.js";
import type { InProcessResult } from "./in-process-protocol.js";

const [roundsArg = "5", callsArg = "1000000"] = process.argv.slice(2);
const rounds = Number(roundsArg);
const calls = Number(callsArg);

const dir = mkdtempSync(join(tmpdir(), "flagwire-bench-inproc-"));
const server = await startServer({
  dbPath: join(dir, "flags.db"),
  grpcListen: "127.0.0.1:0",
  httpListen: "127.0.0.1:0",
  logger: pino({ level: "silent" }),
});
const engine = server.engine;
await seedCustomerListRule(engine);

const cache = createFlagCache(createFlagClient({ baseUrl: `http://127.0.0.1:${server.grpcPort}` }));
await cache.ready;

const flagd = new FlagdCore();
flagd.setConfigurations(customerListFlagdConfig());

/** Each candidate answers whether the feature is on for the i-th context. */
const candidates: Record<string, (i: number) => boolean> = {
  engine: (i) => engine.evaluate(FEATURE, CONTEXTS[i & 1] as (typeof CONTEXTS)[number]).enabled,
  cache: (i) => cache.isEnabled(FEATURE, CONTEXTS[i & 1] as (typeof CONTEXTS)[number]),
  flagd: (i) => flagd.resolveBooleanEvaluation(FEATURE, false, CONTEXTS[i & 1] as (typeof CONTEXTS)[number]).value,
};

// Both must agree before their speeds mean anything.
for (const [name, evaluate] of Object.entries(candidates)) {
  if (evaluate(0) !== true || evaluate(1) !== false) throw new Error(`${name} does not evaluate the rule as expected`);
}

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((name) => [name, []]));
let checksum = 0;
const entries = Object.entries(candidates);
for (let round = 0; round < rounds; round++) {
  // Paired rounds: round r starts at candidate r mod n, so that no candidate always runs right after the same one
  // (the one before leaves garbage and a warm or cold cache behind).
  for (let k = 0; k < entries.length; k++) {
    const [name, evaluate] = entries[(k + round) % entries.length] as (typeof entries)[number];
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) if (evaluate(i)) checksum++;
    samples[name]?.push(Number(process.hrtime.bigint() - started) / calls);
  }
}
cache.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
const result: InProcessResult = {
  type: "result",
  nsPerCall: Object.fromEntries(Object.entries(samples).map(([name, ns]) => [name, median(ns)])),
  samples,
  checksum,
  listSize: LISTED.length,
};
process.send?.(result);
