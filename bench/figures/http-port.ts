import type { BenchServer } from "../lib/bench-server-process.js";
import { fewFeatures, ids, type DatasetShape } from "../lib/dataset.js";
import { fmt, judgedRow, type FigureResult, type FigureRow, type RunContext } from "../lib/figure.js";
import { expectHttpOk, h1Measure, type H1Target } from "../lib/h1load.js";
import { loadFigures, type LoadFigures } from "../lib/h2load-compare.js";
import type { RatioTarget } from "../lib/paired-ratio.js";
import { interleavedRounds, roundPlan } from "../lib/paired-rounds.js";
import { NOOP_PATH } from "../server/noop-route.js";
import { byP99, byRps, methodPath, rpsRange } from "./evaluate-vs-echo.js";
import { checkOfrep, ofrepTargets } from "./ofrep.js";

const HALF: RatioTarget = { op: ">=", value: 0.5 };
/** Feature counts of the EvaluateAll data sets. */
const EVALUATE_ALL_FEATURES = [1, 100] as const;

/** Runs `fn` with a bench server on a fresh data set of `shape` (run-bench.ts owns the servers' lifecycle). */
export type ServerFor = (shape: DatasetShape, fn: (server: BenchServer) => Promise<void>) => Promise<void>;

/** The Connect JSON requests of figure 16 for figure 1's context. */
export function connectTargets(shape: DatasetShape): { post: H1Target; get: H1Target; evaluateAll: H1Target; noop: H1Target } {
  const customer = Math.floor(shape.customers / 2);
  const context = { customerId: ids.customer(customer), userId: ids.user(customer * shape.usersPerCustomer) };
  const evaluate = JSON.stringify({ feature: ids.feature(Math.floor(shape.features / 2)), ...context });
  const path = methodPath("Evaluate");
  return {
    // The README's curl form: POST with content-type application/json.
    post: { label: "Connect JSON Evaluate POST", path, body: evaluate },
    // Connect's GET form of a NO_SIDE_EFFECTS method.
    get: { label: "Connect JSON Evaluate GET", path: `${path}?connect=v1&encoding=json&message=${encodeURIComponent(evaluate)}` },
    evaluateAll: { label: `Connect JSON EvaluateAll (${shape.features} feature${shape.features === 1 ? "" : "s"})`, path: methodPath("EvaluateAll"), body: JSON.stringify(context) },
    noop: { label: "no-op route", path: NOOP_PATH, body: evaluate },
  };
}

const isEvaluation = (text: string) => typeof (JSON.parse(text) as { reason?: unknown }).reason === "string";

/**
 * Figure 16 (issue 18): the HTTP port. Every target against the no-op route on the same node:http listener, at
 * HTTP/1.1 (h2load --h1) -c 50 and, for the single-call targets, -c 1, in paired rounds: Connect JSON Evaluate as a
 * POST and as a GET, OFREP single-flag and bulk, and Connect JSON EvaluateAll on data sets of 1 and 100 features
 * (servers of their own, each paired against its own no-op route).
 */
export async function httpPortFigure(ctx: RunContext, server: BenchServer, shape: DatasetShape, serverFor: ServerFor): Promise<FigureResult> {
  const plan = roundPlan(ctx.full);
  const connect = connectTargets(shape);
  const ofrep = ofrepTargets(shape);
  ctx.log(`  Connect Evaluate answers 200 ${await expectHttpOk(server, connect.post, isEvaluation)}`);
  await expectHttpOk(server, connect.get, isEvaluation);
  await checkOfrep(ctx, server, shape);
  await expectHttpOk(server, connect.noop, () => true);

  const rows: FigureRow[] = [];
  const cpu: string[] = [];
  const commands: string[] = [];
  const row = (id: string, what: string, f: LoadFigures, noop: LoadFigures, target?: RatioTarget) => {
    rows.push(judgedRow({ id, what, value: fmt.rps(f.rps), baseline: `no-op ${fmt.rps(noop.rps)}`, ratios: byRps(f, noop), ...(target ? { target } : {}), range: rpsRange(f) }));
    commands.push(...f.commands);
  };
  const measureAll = async (on: BenchServer, targets: H1Target[], connections: number) =>
    (await interleavedRounds(targets.map((t) => h1Measure(ctx, on, t, connections)), plan)).map(loadFigures);
  const cpuNote = (label: string, targets: H1Target[], figures: LoadFigures[]) =>
    cpu.push(`${label}: server CPU per call: ${targets.map((t, i) => `${t.label} ${(figures[i] as LoadFigures).cpuUsPerCall.toFixed(1)} µs`).join(", ")}.`);

  // -c 50: everything on the small data set's server.
  const saturated = [connect.noop, connect.post, connect.get, ofrep.single, ofrep.bulk];
  const [noop, post, get, single, bulk] = (await measureAll(server, saturated, 50)) as [LoadFigures, LoadFigures, LoadFigures, LoadFigures, LoadFigures];
  row("16a", "Connect JSON Evaluate POST throughput, -c 50 (HTTP/1.1)", post, noop, HALF);
  row("16b", "Connect JSON Evaluate GET throughput, -c 50 (HTTP/1.1)", get, noop, HALF);
  row("16c", "OFREP single-flag throughput, -c 50 (HTTP/1.1)", single, noop, HALF);
  row("16d", `OFREP bulk (${shape.features} flags) throughput, -c 50 (HTTP/1.1)`, bulk, noop);
  commands.push(...noop.commands);
  cpuNote("-c 50", saturated, [noop, post, get, single, bulk]);

  // EvaluateAll's cost grows with the feature count: data sets of 1 and 100 features, each on a server of its own.
  let letter = "e".charCodeAt(0);
  for (const features of EVALUATE_ALL_FEATURES) {
    const few = fewFeatures(features);
    await serverFor(few, async (other) => {
      const { evaluateAll, noop: otherNoop } = connectTargets(few);
      await expectHttpOk(other, evaluateAll, (text) => (JSON.parse(text) as { evaluations?: unknown[] }).evaluations?.length === features);
      await expectHttpOk(other, otherNoop, () => true);
      const [n, all] = (await measureAll(other, [otherNoop, evaluateAll], 50)) as [LoadFigures, LoadFigures];
      row(`16${String.fromCharCode(letter++)}`, `Connect JSON EvaluateAll, ${features} feature${features === 1 ? "" : "s"}, throughput, -c 50 (HTTP/1.1)`, all, n);
      cpuNote(`-c 50, ${features}-feature data set`, [otherNoop, evaluateAll], [n, all]);
    });
  }

  // -c 1: one request at a time, the single-call targets; ratios reported, p99s against the no-op's.
  const latency = [connect.noop, connect.post, connect.get, ofrep.single];
  const [noop1, post1, get1, single1] = (await measureAll(server, latency, 1)) as [LoadFigures, LoadFigures, LoadFigures, LoadFigures];
  for (const [what, f] of [["Connect JSON Evaluate POST", post1], ["Connect JSON Evaluate GET", get1], ["OFREP single-flag", single1]] as const) {
    const id = `16${String.fromCharCode(letter++)}`;
    rows.push(judgedRow({ id, what: `${what} p99, -c 1 (HTTP/1.1)`, value: fmt.us(f.p99Us), baseline: `no-op ${fmt.us(noop1.p99Us)}`, ratios: byP99(f, noop1) }));
    commands.push(...f.commands);
  }
  commands.push(...noop1.commands);
  cpuNote("-c 1", latency, [noop1, post1, get1, single1]);
  cpu.push(`-c 1 throughput: no-op ${fmt.rps(noop1.rps)}, POST ${fmt.rps(post1.rps)}, GET ${fmt.rps(get1.rps)}, OFREP single ${fmt.rps(single1.rps)}.`);

  return {
    figure: 16,
    title: "The HTTP port: Connect JSON and OFREP against a no-op route on the same listener",
    rows,
    commands,
    notes: [
      `Small data set for Evaluate and OFREP (the context of figure 1); EvaluateAll on data sets of 1 and 100 features with the small data set's customers and users, each on its own bench server paired against that server's no-op route. The no-op route (bench server only) reads the body and answers fixed JSON, with none of the stack's work. h2load --h1, one request in flight per connection; each target was checked to answer 200 with the expected body first. Targets of a group run in paired rounds (see Method; the order rotates), every ratio against the no-op of its own round. Connect POST: \`content-type: application/json\`, the README's curl form, ${connect.post.body?.length ?? 0} bytes; GET: \`?connect=v1&encoding=json&message=<URL-encoded JSON>\`.`,
      ...cpu,
    ],
  };
}
