import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** The built entry point (`npm test` builds first), the file package.json's `bin` points to and `npm start` runs. */
export const CLI = join(import.meta.dirname, "..", "..", "dist", "src", "cli", "flagwire.js");

/** How a `flagwire` process is started: extra environment, working directory, user. */
export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  uid?: number;
  gid?: number;
}

/** How a `flagwire` process ended. */
export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A `flagwire` process that keeps running (`serve`, `watch`), its output collected line by line. */
export interface CliChild {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves once the process has exited and its output is read to the end. */
  exited: Promise<CliExit>;
  /** Resolves once `count` lines of `stream` match, or rejects after `timeoutMs` showing all output. */
  waitForLines(stream: "stdout" | "stderr", pattern: RegExp, count?: number, timeoutMs?: number): Promise<string[]>;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  interrupt(): Promise<number | null>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Where a `flagwire serve` child serves, from its "flagwire serving" log line. */
export interface Serving {
  grpcUrl: string;
  httpUrl: string;
  /** The whole "flagwire serving" line: `grpc` (host:port), `http` (URL), `tls`, `auth`... */
  line: Record<string, unknown>;
}

/** A `flagwire serve` child process; its JSON stdout lines are also collected parsed. */
export interface ServeChild extends CliChild {
  /** Resolves once the server logs "flagwire serving"; rejects with its stderr if it exits first. */
  ready: Promise<Serving>;
  logged: Record<string, unknown>[];
}

/** Environment for the CLI: none of the caller's FLAGWIRE_* settings leak into a test. */
function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("FLAGWIRE_")));
  return { ...clean, ...env };
}

/** Starts `flagwire <args>` in the background; `onStdoutLine` sees each stdout line before any waiter. */
function launch(args: readonly string[], options: CliOptions, onStdoutLine?: (line: string) => void): CliChild {
  const { env, ...spawnOptions } = options;
  const child = spawn(process.execPath, [CLI, ...args], { ...spawnOptions, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: [] as string[], stderr: [] as string[] };
  const raw = { stdout: "", stderr: "" };
  const waiters = new Set<() => void>();
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream]!.on("data", (chunk: Buffer) => (raw[stream] += chunk.toString("utf8")));
    createInterface({ input: child[stream]! }).on("line", (line) => {
      output[stream].push(line);
      if (stream === "stdout") onStdoutLine?.(line);
      for (const check of waiters) check();
    });
  }
  // "close", not "exit": every line has been read by then.
  const exited = new Promise<CliExit>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal, stdout: raw.stdout, stderr: raw.stderr })),
  );
  const signalled = async (signal: NodeJS.Signals) => {
    child.kill(signal);
    return (await exited).code;
  };
  return {
    child,
    ...output,
    exited,
    waitForLines(stream, pattern, count = 1, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = output[stream].filter((line) => pattern.test(line));
          if (matching.length < count) return;
          cleanup();
          resolve(matching);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${count} ${stream} line(s) matching ${pattern} within ${timeoutMs} ms:\n${JSON.stringify(output, null, 2)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    interrupt: () => signalled("SIGINT"),
    stop: () => signalled("SIGTERM"),
  };
}

/** Runs `flagwire <args>` to its exit (killed after `timeoutMs`); never rejects: the exit says how it went. */
export async function runCli(args: readonly string[], options: CliOptions & { timeoutMs?: number } = {}): Promise<CliExit> {
  const { timeoutMs = 20_000, ...rest } = options;
  const running = launch(args, rest);
  const timer = setTimeout(() => running.child.kill("SIGTERM"), timeoutMs);
  try {
    return await running.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `flagwire <args>` and expects success: rejects, with its stderr in the message, on any other exit. */
export async function runCliOk(args: readonly string[], options: CliOptions & { timeoutMs?: number } = {}): Promise<CliExit> {
  const exit = await runCli(args, options);
  if (exit.code !== 0) throw new Error(`flagwire ${args.join(" ")} exited with ${exit.code ?? exit.signal}: ${exit.stderr}`);
  return exit;
}

/** Starts `flagwire <args>` in the background (e.g. `watch`). */
export function startCli(args: readonly string[], options: CliOptions = {}): CliChild {
  return launch(args, options);
}

/** `serve` arguments for a database on free loopback ports, followed by `more`. */
export function onLoopback(dbPath: string, ...more: string[]): string[] {
  return ["--db", dbPath, "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", ...more];
}

/**
 * Starts `flagwire serve <args>`; ready on its "flagwire serving" line.
 *
 * @example
 * const server = spawnServe(onLoopback(dbPath));
 * const { grpcUrl } = await server.ready;
 * server.child.kill("SIGKILL");
 * await server.exited;
 */
export function spawnServe(args: readonly string[], options: CliOptions = {}): ServeChild {
  const logged: Record<string, unknown>[] = [];
  let serving: (started: Serving) => void = () => undefined;
  const running = launch(["serve", ...args], options, (line) => {
    const entry = JSON.parse(line) as Record<string, unknown>; // stdout is JSON only, for log shippers
    logged.push(entry);
    if (entry.msg === "flagwire serving") serving({ grpcUrl: `http://${String(entry.grpc)}`, httpUrl: String(entry.http), line: entry });
  });
  const ready = new Promise<Serving>((resolve, reject) => {
    serving = resolve;
    void running.exited.then((exit) => reject(new Error(`flagwire serve exited with ${exit.code ?? exit.signal}: ${exit.stderr}`)));
  });
  ready.catch(() => undefined); // a test that expects the exit reads `exited` instead
  return { ...running, ready, logged };
}

/** Starts `flagwire serve <args>` and waits until it serves; rejects with its stderr when it exits first. */
export async function startServe(args: readonly string[], options: CliOptions = {}): Promise<ServeChild & { started: Record<string, unknown> }> {
  const server = spawnServe(args, options);
  const { line } = await server.ready;
  return { ...server, started: line };
}

/** Splits a command line the way a shell would for the simple lines of the examples (no quotes). */
export function words(commandLine: string): string[] {
  const [program, ...args] = commandLine.trim().split(/\s+/);
  if (program !== "flagwire") throw new Error(`not a flagwire command line: ${commandLine}`);
  return args;
}
