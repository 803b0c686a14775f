import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** The built entry point (`npm test` builds first), the file package.json's `bin` points to. */
export const FLAGWIRE = join(import.meta.dirname, "..", "..", "dist", "src", "cli", "flagwire.js");

/** How a `flagwire` process ended. */
export interface FlagwireResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment for the CLI: none of the caller's FLAGWIRE_* settings leak into a test. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("FLAGWIRE_")));
  return { ...clean, ...env };
}

/** Runs `flagwire <args>` to completion. */
export function flagwire(args: readonly string[], env: Record<string, string> = {}): Promise<FlagwireResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [FLAGWIRE, ...args], { env: cliEnv(env), timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Splits a command line the way a shell would for the simple lines of the examples (no quotes). */
export function words(commandLine: string): string[] {
  const [program, ...args] = commandLine.trim().split(/\s+/);
  if (program !== "flagwire") throw new Error(`not a flagwire command line: ${commandLine}`);
  return args;
}

/** A `flagwire` process that keeps running (`watch`), with its output collected line by line. */
export interface RunningFlagwire {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves once `count` lines of `stream` match, or rejects after `timeoutMs` showing all output. */
  waitForLines(stream: "stdout" | "stderr", pattern: RegExp, count?: number, timeoutMs?: number): Promise<string[]>;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

/** Starts `flagwire <args>` in the background. */
export function startFlagwire(args: readonly string[], env: Record<string, string> = {}): RunningFlagwire {
  const child = spawn(process.execPath, [FLAGWIRE, ...args], { env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: [] as string[], stderr: [] as string[] };
  const waiters = new Set<() => void>();
  for (const stream of ["stdout", "stderr"] as const) {
    createInterface({ input: child[stream]! }).on("line", (line) => {
      output[stream].push(line);
      for (const check of waiters) check();
    });
  }
  const exited = once(child, "exit") as Promise<[number | null]>;
  return {
    child,
    ...output,
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
    async interrupt() {
      child.kill("SIGINT");
      const [code] = await exited;
      return code;
    },
  };
}

/** A loopback port that nothing listens on (it was free a moment ago), e.g. for a server to restart on. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}
