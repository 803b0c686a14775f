import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { checkNotStalled, parseH2loadLog, parseH2loadOutput, type H2loadSummary } from "./h2load-output.js";
import { summarizeLatencies, type LatencySummary } from "./stats.js";
import { pinned } from "./tools.js";

/** Options of {@link runH2load}. */
export interface H2loadOptions {
  /** `http://host:port`. */
  url: string;
  /** `/package.Service/Method`. */
  path: string;
  /** The framed gRPC request, sent as every request's body. */
  frame: Buffer;
  /** `-c`: connections. */
  connections: number;
  /** `-m`: concurrent streams per connection. */
  streams: number;
  /** Seconds of warm-up before the measured duration; 0 for none. */
  warmUpSeconds: number;
  durationSeconds: number;
  /** Cores to pin h2load to. */
  cores: string;
}

/** One h2load run: its summary, the latencies from its log file (µs), and the command that ran. */
export interface H2loadRun {
  summary: H2loadSummary;
  latencyUs: LatencySummary;
  command: string;
}

/**
 * Runs h2load against a unary gRPC method: POST of `frame` with gRPC's headers, one native thread (it is
 * pinned to one core), timing-based. Throws when any request failed at the HTTP/2 level.
 */
export async function runH2load(options: H2loadOptions): Promise<H2loadRun> {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-h2load-"));
  try {
    const bodyFile = join(dir, "request.bin");
    const logFile = join(dir, "requests.log");
    writeFileSync(bodyFile, options.frame);
    const args = [
      "-t", "1",
      "-c", String(options.connections),
      "-m", String(options.streams),
      "-D", String(options.durationSeconds),
      ...(options.warmUpSeconds > 0 ? [`--warm-up-time=${options.warmUpSeconds}`] : []),
      "-d", bodyFile,
      "-H", "content-type: application/grpc",
      "-H", "te: trailers",
      `--log-file=${logFile}`,
      `${options.url}${options.path}`,
    ];
    const [command, argv] = pinned(options.cores, ["h2load", ...args]);
    const { stdout } = await promisify(execFile)(command, argv, { maxBuffer: 16 * 1024 * 1024 });
    const summary = parseH2loadOutput(stdout);
    checkNotStalled(summary, stdout);
    if (summary.succeeded === 0 || summary.failed + summary.errored + summary.timeout > 0) {
      throw new Error(`h2load saw failures:\n${stdout}`);
    }
    return {
      summary,
      latencyUs: summarizeLatencies(parseH2loadLog(readFileSync(logFile, "utf8"))),
      // The port changes from run to run; $TMP/request.bin holds the framed request.
      command: [command, ...argv].map(shellQuote).join(" ").replaceAll(dir, "$TMP").replace(/127\.0\.0\.1:\d+/, "127.0.0.1:$PORT"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
