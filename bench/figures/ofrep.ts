import type { BenchServer } from "../lib/bench-server-process.js";
import { ids, type DatasetShape } from "../lib/dataset.js";
import { fmt, judgedRow, type FigureResult, type FigureRow, type RunContext } from "../lib/figure.js";
import { expectHttpOk, h1Measure, type H1Target } from "../lib/h1load.js";
import { loadFigures, type LoadFigures } from "../lib/h2load-compare.js";
import { interleavedRounds, roundPlan } from "../lib/paired-rounds.js";
import { NOOP_PATH } from "../server/noop-route.js";
import { byP99, byRps, rpsRange } from "./evaluate-vs-echo.js";

/** HTTP/1.1 load shapes: 50 keep-alive connections (saturated), and one request at a time (latency). */
const SHAPES = [{ connections: 50 }, { connections: 1 }] as const;

/** OFREP's single-flag and bulk requests for figure 1's context, and the no-op route sent the same body. */
export function ofrepTargets(shape: DatasetShape): { single: H1Target; bulk: H1Target; noop: H1Target; feature: string } {
  const customer = Math.floor(shape.customers / 2);
  const feature = ids.feature(Math.floor(shape.features / 2));
  const body = JSON.stringify({ context: { targetingKey: ids.user(customer * shape.usersPerCustomer), customerId: ids.customer(customer) } });
  return {
    single: { label: "OFREP single flag", path: `/ofrep/v1/evaluate/flags/${feature}`, body },
    bulk: { label: "OFREP bulk", path: "/ofrep/v1/evaluate/flags", body },
    noop: { label: "no-op route", path: NOOP_PATH, body },
    feature,
  };
}

/** Checks that OFREP answers 200 with the flag (single) or every flag (bulk) before they are loaded. */
export async function checkOfrep(ctx: RunContext, server: BenchServer, shape: DatasetShape): Promise<void> {
  const { single, bulk, noop, feature } = ofrepTargets(shape);
  const one = await expectHttpOk(server, single, (text) => (JSON.parse(text) as { key?: string }).key === feature);
  ctx.log(`  OFREP answers 200 ${one}`);
  await expectHttpOk(server, bulk, (text) => (JSON.parse(text) as { flags?: unknown[] }).flags?.length === shape.features);
  await expectHttpOk(server, noop, () => true);
}

/**
 * Figure 13: OFREP single-flag evaluation on the HTTP port against a no-op route on the same node:http listener
 * (bench/server/noop-route.ts), sent the same body, in paired rounds; and the bulk endpoint for the same
 * context, whose answer holds every feature of the data set.
 */
export async function ofrepFigure(ctx: RunContext, server: BenchServer, shape: DatasetShape): Promise<FigureResult> {
  const { single, bulk, noop } = ofrepTargets(shape);
  await checkOfrep(ctx, server, shape);
  const rows: FigureRow[] = [];
  const notes: string[] = [];
  const commands: string[] = [];
  for (const [i, { connections }] of SHAPES.entries()) {
    const samples = await interleavedRounds([single, noop, bulk].map((t) => h1Measure(ctx, server, t, connections)), roundPlan(ctx.full));
    const [s, n, b] = samples.map(loadFigures) as [LoadFigures, LoadFigures, LoadFigures];
    const label = `-c ${connections} (HTTP/1.1)`;
    const letter = (k: number) => String.fromCharCode(97 + 3 * i + k);
    rows.push(
      judgedRow({ id: `13${letter(0)}`, what: `OFREP single-flag throughput, ${label}`, value: fmt.rps(s.rps), baseline: `no-op ${fmt.rps(n.rps)}`, ratios: byRps(s, n), target: { op: ">=", value: 0.8 }, range: rpsRange(s) }),
      judgedRow({ id: `13${letter(1)}`, what: `OFREP single-flag p99, ${label}`, value: fmt.us(s.p99Us), baseline: `no-op ${fmt.us(n.p99Us)}`, ratios: byP99(s, n) }),
      judgedRow({ id: `13${letter(2)}`, what: `OFREP bulk (${shape.features} flags) throughput, ${label}`, value: fmt.rps(b.rps), baseline: `no-op ${fmt.rps(n.rps)}`, ratios: byRps(b, n), range: rpsRange(b) }),
    );
    notes.push(
      `${label}: server CPU per call: single ${s.cpuUsPerCall.toFixed(1)} µs, no-op ${n.cpuUsPerCall.toFixed(1)} µs, bulk ${b.cpuUsPerCall.toFixed(1)} µs; p50 single ${fmt.us(s.p50Us)}, no-op ${fmt.us(n.p50Us)}, bulk ${fmt.us(b.p50Us)}.`,
    );
    commands.push(...s.commands, ...n.commands, ...b.commands);
  }
  return {
    figure: 13,
    title: "OpenFeature OFREP on the HTTP port against a no-op route on the same listener",
    rows,
    commands,
    notes: [
      `Small data set; the request is ${single.body?.length ?? 0} bytes of JSON (a user and its customer), the same for all three targets. The no-op route (bench server only) reads the body and answers fixed JSON of the single-flag answer's size, with no parsing, auth, evaluation or logging. h2load --h1, one request in flight per connection; the three targets in paired rounds (see Method; the order rotates), each ratio against the no-op of its own round.`,
      ...notes,
    ],
  };
}
