import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { promisify } from "node:util";

/** The built CLI (`npm test` builds first), as `npm start` runs it. */
export const CLI = join(import.meta.dirname, "..", "..", "dist", "src", "cli", "flagwire.js");

/** Runs `flagwire <args>` to completion; resolves with its output, rejects (with stderr in the message) on failure. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
}

/** A `flagwire serve` child process, once it logged that it serves; its JSON log lines are collected. */
export interface ServeProcess {
  child: ChildProcess;
  /** The "flagwire serving" line: `grpc` (host:port) and `http` (URL). */
  started: Record<string, unknown>;
  logged: Record<string, unknown>[];
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `flagwire serve <args>`; rejects with its stderr when it exits before serving. */
export function startServeProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, "serve", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const logged: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise<ServeProcess>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logged.push(entry);
      if (entry.msg === "flagwire serving") {
        resolve({
          child,
          started: entry,
          logged,
          stop: () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`flagwire serve exited with ${code}: ${stderr}`)));
  });
}
