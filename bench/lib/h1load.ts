import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BenchServer } from "./bench-server-process.js";
import type { RunContext } from "./figure.js";
import { withServerCpu, type LoadSample } from "./h2load-compare.js";
import { checkNotStalled, parseH2loadLog, parseH2loadOutput, retryStalled } from "./h2load-output.js";
import type { Measure } from "./paired-rounds.js";
import { summarizeLatencies } from "./stats.js";
import { pinned } from "./tools.js";

/** An HTTP/1.1 request to load on the HTTP listener: a JSON POST of `body`, or a GET when `body` is undefined. */
export interface H1Target {
  label: string;
  /** Path and query. */
  path: string;
  body?: string;
}

/**
 * One h2load --h1 run of `target` with `connections` keep-alive connections, one request in flight each; throws
 * when any request failed or answered other than 2xx.
 */
export async function runH1load(server: BenchServer, target: H1Target, connections: number, seconds: number, cores: string) {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-h1load-"));
  try {
    const logFile = join(dir, "requests.log");
    const post: string[] = [];
    if (target.body !== undefined) {
      const bodyFile = join(dir, "request.json");
      writeFileSync(bodyFile, target.body);
      post.push("-d", bodyFile, "-H", "content-type: application/json");
    }
    const args = ["--h1", "-t", "1", "-c", String(connections), "-m", "1", "-D", String(seconds), ...post, `--log-file=${logFile}`, `${server.httpUrl}${target.path}`];
    const [command, argv] = pinned(cores, ["h2load", ...args]);
    const { stdout } = await promisify(execFile)(command, argv, { maxBuffer: 16 * 1024 * 1024 });
    const summary = parseH2loadOutput(stdout);
    checkNotStalled(summary, stdout);
    const latencies = parseH2loadLog(readFileSync(logFile, "utf8"));
    if (summary.succeeded === 0 || summary.failed + summary.errored + summary.timeout > 0 || latencies.length < summary.succeeded) {
      throw new Error(`h2load saw failures (or non-2xx answers):\n${stdout}`);
    }
    const latency = summarizeLatencies(latencies);
    const shown = [command, ...argv].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ");
    return {
      rps: summary.rps,
      succeeded: summary.succeeded,
      p50Us: latency.p50,
      p99Us: latency.p99,
      command: shown.replaceAll(dir, "$TMP").replace(/127\.0\.0\.1:\d+/, "127.0.0.1:$PORT"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** {@link runH1load} with the server's CPU per call, as a {@link Measure} of the paired rounds; logs each run. */
export function h1Measure(ctx: RunContext, server: BenchServer, target: H1Target, connections: number): Measure<LoadSample> {
  return async (seconds) => {
    const run = await retryStalled(() => withServerCpu(server, () => runH1load(server, target, connections, seconds, ctx.cores.load)), ctx.log);
    ctx.log(`  ${target.label} -c ${connections} ${seconds} s: ${Math.round(run.rps)} calls/s, p99 ${Math.round(run.p99Us)} µs, server CPU ${run.cpuUsPerCall.toFixed(1)} µs/call`);
    return { rps: run.rps, p50Us: run.p50Us, p99Us: run.p99Us, cpuUsPerCall: run.cpuUsPerCall, command: run.command };
  };
}

/**
 * Sends `target` once with fetch and checks the answer: status 200, and `check` (given the body) true; throws
 * otherwise. h2load counts any 2xx as success, so this is what makes sure it loads the intended answer.
 */
export async function expectHttpOk(server: BenchServer, target: H1Target, check: (body: string) => boolean): Promise<string> {
  const init: RequestInit = target.body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: target.body };
  const response = await fetch(`${server.httpUrl}${target.path}`, init);
  const text = await response.text();
  if (response.status !== 200 || !check(text)) throw new Error(`${target.label}: unexpected answer ${response.status} ${text.slice(0, 300)}`);
  return text;
}
