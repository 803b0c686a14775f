/**
 * Figure 15's measurement, in a process of its own pinned to one core: ns per resolve of figure 3's customer-list
 * rule by FlagwireProvider (its `resolveBooleanEvaluation()`, awaited; following a real server in this process, idle
 * once current), by @openfeature/flagd-core, and through the whole SDK (`getBooleanValue()` with FlagwireProvider),
 * alternately, round after round. Timed in CPU time (the machine may be shared), ns per call.
 *
 * argv: <rounds> <calls per round>
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlagdCore } from "@openfeature/flagd-core";
import { OpenFeature } from "@openfeature/server-sdk";
import { pino } from "pino";
import { FlagwireProvider } from "../../src/openfeature/index.js";
import { startServer } from "../../src/server/start-server.js";
import { median } from "../lib/stats.js";
// The same contexts as figure 3: in OpenFeature terms, the customer is the `customerId` attribute.
import { CONTEXTS, customerListFlagdConfig, FEATURE, LISTED, seedCustomerListRule } from "./customer-list-rule.js";
import type { InProcessResult } from "./in-process-protocol.js";

const [roundsArg = "5", callsArg = "500000"] = process.argv.slice(2);
const rounds = Number(roundsArg);
const calls = Number(callsArg);

const dir = mkdtempSync(join(tmpdir(), "flagwire-bench-provider-"));
const server = await startServer({ dbPath: join(dir, "flags.db"), grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", logger: pino({ level: "silent" }) });
await seedCustomerListRule(server.engine);

const provider = new FlagwireProvider({ baseUrl: `http://127.0.0.1:${server.grpcPort}` });
await OpenFeature.setProviderAndWait(provider);
const sdk = OpenFeature.getClient();
const flagd = new FlagdCore();
flagd.setConfigurations(customerListFlagdConfig());

const logger = console;

/** Each candidate answers whether the feature is on for the i-th context. */
// The promises are returned as they are, for the loop to await: a wrapping async function would add a second await.
const allCandidates: Record<string, (i: number) => { value: boolean } | Promise<{ value: boolean }>> = {
  provider: (i) => provider.resolveBooleanEvaluation(FEATURE, false, CONTEXTS[i & 1] as (typeof CONTEXTS)[number]),
  flagd: (i) => flagd.resolveBooleanEvaluation(FEATURE, false, CONTEXTS[i & 1] as (typeof CONTEXTS)[number], logger),
  // flagd-core as the SDK meets it: flagd's in-process provider wraps it in an async resolve, and the SDK awaits that
  // (a native async function here, cheaper than the provider's generator-based wrapper).
  flagdAwaited: async (i) => flagd.resolveBooleanEvaluation(FEATURE, false, CONTEXTS[i & 1] as (typeof CONTEXTS)[number], logger),
  sdk: (i) => sdk.getBooleanDetails(FEATURE, false, CONTEXTS[i & 1] as (typeof CONTEXTS)[number]),
};

// FLAGWIRE_BENCH_CANDIDATES=provider,flagd,flagdAwaited,sdk chooses the candidates.
// By default provider and flagd-core (plain and awaited) only: the SDK's garbage, collected during the next candidate's round, slowed both.
const only = process.env.FLAGWIRE_BENCH_CANDIDATES?.split(",") ?? ["provider", "flagd", "flagdAwaited"];
const candidates = Object.fromEntries(Object.entries(allCandidates).filter(([name]) => !only || only.includes(name)));

// All must agree before their speeds mean anything.
for (const [name, evaluate] of Object.entries(candidates)) {
  if ((await evaluate(0)).value !== true || (await evaluate(1)).value !== false) throw new Error(`${name} does not evaluate the rule as expected`);
}

/** CPU time of this process in µs: unlike wall time, it does not count the time other processes had the core. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((name) => [name, []]));
let checksum = 0;
const entries = Object.entries(candidates);
for (let round = 0; round < rounds; round++) {
  // Paired rounds: round r starts at candidate r mod n, so that no candidate always runs right after the same one
  // (the one before leaves garbage and a warm or cold cache behind).
  for (let k = 0; k < entries.length; k++) {
    const [name, evaluate] = entries[(k + round) % entries.length] as (typeof entries)[number];
    // The whole SDK path is two orders of magnitude slower: a tenth of the calls gives it as long a round.
    const n = name === "sdk" ? Math.ceil(calls / 10) : calls;
    const started = cpuMicros();
    // Each call is awaited, as an application would; awaiting flagd-core's plain value would only slow it down.
    if (name === "flagd") for (let i = 0; i < n; i++) checksum += (evaluate(i) as { value: boolean }).value ? 1 : 0;
    else for (let i = 0; i < n; i++) checksum += (await evaluate(i)).value ? 1 : 0;
    samples[name]?.push(((cpuMicros() - started) * 1000) / n);
  }
}
await OpenFeature.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
const result: InProcessResult = {
  type: "result",
  nsPerCall: Object.fromEntries(Object.entries(samples).map(([name, ns]) => [name, median(ns)])),
  samples,
  checksum,
  listSize: LISTED.length,
};
if (process.send) process.send(result);
else console.log(JSON.stringify(result.samples)); // run by hand: node dist/bench/figures/provider-resolve-child.js 3 50000
