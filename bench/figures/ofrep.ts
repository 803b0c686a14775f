import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BenchServer } from "../lib/bench-server-process.js";
import { ids, type DatasetShape } from "../lib/dataset.js";
import { fmt, type FigureResult, type FigureRow, type RunContext } from "../lib/figure.js";
import { parseH2loadLog, parseH2loadOutput } from "../lib/h2load-output.js";
import { median, summarizeLatencies } from "../lib/stats.js";
import { pinned } from "../lib/tools.js";
import { NOOP_PATH } from "../server/noop-route.js";

/** HTTP/1.1 load shapes: 50 keep-alive connections (saturated), and one request at a time (latency). */
const SHAPES = [{ connections: 50 }, { connections: 1 }] as const;

interface Target {
  label: string;
  path: string;
}

interface Figures {
  rps: number;
  p50Us: number;
  p99Us: number;
  cpuUsPerCall: number;
  commands: string[];
}

/**
 * Figure 13: OFREP single-flag evaluation on the HTTP port against a no-op route on the same node:http listener
 * (bench/server/noop-route.ts), sent the same body, alternating A B C rounds; and the bulk endpoint for the same
 * context, whose answer holds every feature of the data set.
 */
export async function ofrepFigure(ctx: RunContext, server: BenchServer, shape: DatasetShape): Promise<FigureResult> {
  const customer = Math.floor(shape.customers / 2);
  const feature = ids.feature(Math.floor(shape.features / 2));
  const body = JSON.stringify({ context: { targetingKey: ids.user(customer * shape.usersPerCustomer), customerId: ids.customer(customer) } });
  const single: Target = { label: "OFREP single flag", path: `/ofrep/v1/evaluate/flags/${feature}` };
  const noop: Target = { label: "no-op route", path: NOOP_PATH };
  const bulk: Target = { label: "OFREP bulk", path: "/ofrep/v1/evaluate/flags" };
  const answer = await fetch(`${server.httpUrl}${single.path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
  ctx.log(`  OFREP answers ${answer.status} ${await answer.text()}`);
  const rows: FigureRow[] = [];
  const notes: string[] = [];
  const commands: string[] = [];
  for (const [i, { connections }] of SHAPES.entries()) {
    const [s, n, b] = (await alternate(ctx, server, body, connections, [single, noop, bulk])) as [Figures, Figures, Figures];
    const label = `-c ${connections} (HTTP/1.1)`;
    const letter = (k: number) => String.fromCharCode(97 + 3 * i + k);
    const throughput = s.rps / n.rps;
    rows.push(
      { id: `13${letter(0)}`, what: `OFREP single-flag throughput, ${label}`, value: fmt.rps(s.rps), baseline: `no-op ${fmt.rps(n.rps)}`, ratio: throughput, target: "≥ 0.8×", pass: throughput >= 0.8 },
      { id: `13${letter(1)}`, what: `OFREP single-flag p99, ${label}`, value: fmt.us(s.p99Us), baseline: `no-op ${fmt.us(n.p99Us)}`, ratio: s.p99Us / n.p99Us, target: "—", pass: null },
      { id: `13${letter(2)}`, what: `OFREP bulk (${shape.features} flags) throughput, ${label}`, value: fmt.rps(b.rps), baseline: `no-op ${fmt.rps(n.rps)}`, ratio: b.rps / n.rps, target: "—", pass: null },
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
      `Small data set; the request is ${body.length} bytes of JSON (a user and its customer), the same for all three targets. The no-op route (bench server only) reads the body and answers fixed JSON of the single-flag answer's size, with no parsing, auth, evaluation or logging. h2load --h1, one request in flight per connection; each target warmed up first, then rounds alternate.`,
      ...notes,
    ],
  };
}

async function alternate(ctx: RunContext, server: BenchServer, body: string, connections: number, targets: Target[]): Promise<Figures[]> {
  const rounds = ctx.full ? 3 : 1;
  const runs = targets.map(() => [] as Array<{ rps: number; p50: number; p99: number; cpu: number; command: string }>);
  for (const target of targets) await h1load(server, target.path, body, connections, ctx.full ? 2 : 1, ctx.cores.load);
  for (let round = 0; round < rounds; round++) {
    for (const [i, target] of targets.entries()) {
      const before = (await server.stats(false)).cpuMs;
      const run = await h1load(server, target.path, body, connections, ctx.full ? 10 : 4, ctx.cores.load);
      const cpu = (((await server.stats(false)).cpuMs - before) * 1000) / run.succeeded;
      ctx.log(`  ${target.label} -c ${connections}: ${Math.round(run.rps)} calls/s, p99 ${Math.round(run.p99)} µs, server CPU ${cpu.toFixed(1)} µs/call`);
      runs[i]?.push({ ...run, cpu });
    }
  }
  return runs.map((list) => ({
    rps: median(list.map((r) => r.rps)),
    p50Us: median(list.map((r) => r.p50)),
    p99Us: median(list.map((r) => r.p99)),
    cpuUsPerCall: median(list.map((r) => r.cpu)),
    commands: list.map((r) => r.command),
  }));
}

/** One h2load --h1 run of POSTs of `body` to `path`; throws when any request failed. */
async function h1load(server: BenchServer, path: string, body: string, connections: number, seconds: number, cores: string) {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-h1load-"));
  try {
    const bodyFile = join(dir, "request.json");
    const logFile = join(dir, "requests.log");
    writeFileSync(bodyFile, body);
    const args = ["--h1", "-t", "1", "-c", String(connections), "-m", "1", "-D", String(seconds), "-d", bodyFile, "-H", "content-type: application/json", `--log-file=${logFile}`, `${server.httpUrl}${path}`];
    const [command, argv] = pinned(cores, ["h2load", ...args]);
    const { stdout } = await promisify(execFile)(command, argv, { maxBuffer: 16 * 1024 * 1024 });
    const summary = parseH2loadOutput(stdout);
    const latencies = parseH2loadLog(readFileSync(logFile, "utf8"));
    if (summary.succeeded === 0 || summary.failed + summary.errored + summary.timeout > 0 || latencies.length < summary.succeeded) {
      throw new Error(`h2load saw failures (or non-2xx answers):\n${stdout}`);
    }
    const latency = summarizeLatencies(latencies);
    const shown = [command, ...argv].join(" ").replaceAll(dir, "$TMP").replace(/127\.0\.0\.1:\d+/, "127.0.0.1:$PORT");
    return { rps: summary.rps, succeeded: summary.succeeded, p50: latency.p50, p99: latency.p99, command: shown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
