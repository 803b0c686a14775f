import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** The built command line: `npm test` builds first (pretest), so tests run what `npm start` runs. */
export const CLI = join(import.meta.dirname, "..", "..", "dist", "src", "cli", "flagwire.js");

/** How a `flagwire` process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** A `flagwire serve` child process on loopback ports. */
export interface ServeChild {
  child: ChildProcess;
  /** Resolves with the listeners' URLs once the server logs "flagwire serving"; rejects if it exits first. */
  ready: Promise<{ grpcUrl: string; httpUrl: string }>;
  /** Resolves when the process has exited. */
  exited: Promise<ChildExit>;
}

/**
 * Starts `flagwire serve --db <dbPath>` on free loopback ports.
 *
 * @example
 * const server = spawnServe(dbPath);
 * const { grpcUrl } = await server.ready;
 * server.child.kill("SIGKILL");
 * await server.exited;
 */
export function spawnServe(dbPath: string, options: Pick<SpawnOptions, "uid" | "gid"> & { args?: string[] } = {}): ServeChild {
  const child = spawn(
    process.execPath,
    [CLI, "serve", "--db", dbPath, "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", ...(options.args ?? [])],
    { stdio: ["ignore", "pipe", "pipe"], ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }) },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<ChildExit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stderr })));
  const ready = new Promise<{ grpcUrl: string; httpUrl: string }>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const entry = JSON.parse(line) as { msg?: string; grpc?: string; http?: string };
      if (entry.msg === "flagwire serving") resolve({ grpcUrl: `http://${entry.grpc ?? ""}`, httpUrl: entry.http ?? "" });
    });
    void exited.then((exit) => reject(new Error(`flagwire serve exited (${exit.code ?? exit.signal}) before serving: ${exit.stderr}`)));
  });
  ready.catch(() => undefined); // a test that expects the exit reads `exited` instead
  return { child, ready, exited };
}

/** Runs `flagwire <args>` to completion. */
export function runCli(args: string[], options: Pick<SpawnOptions, "uid" | "gid" | "cwd"> = {}): Promise<ChildExit & { stdout: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], ...options });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
}
