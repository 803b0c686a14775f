import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Forks a compiled bench script (path relative to dist/bench/lib) as a Node child with an IPC channel, pinned to
 * `cores` with taskset. stdout is discarded (the server logs there), stderr is passed through.
 */
export function forkPinned(script: string, args: string[], cores: string, nodeFlags: string[] = []): ChildProcess {
  const path = fileURLToPath(new URL(script, import.meta.url));
  // fork() runs execPath with execArgv before the script: taskset then starts node, which inherits the IPC fd.
  return fork(path, args, {
    execPath: "taskset",
    execArgv: ["-c", cores, process.execPath, ...nodeFlags],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
}

/** Waits for the child's first IPC message of `type`; rejects on exit or after `timeoutMs`. */
export function nextMessage<T extends { type: string }>(child: ChildProcess, type: T["type"], timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`child sent no "${type}" within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: T) => {
      if (message.type === type) done(undefined, message);
    };
    const onExit = (code: number | null) => done(new Error(`child exited (code ${code}) before sending "${type}"`));
    const done = (err?: Error, message?: T) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(message as T);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** Resolves when the child has exited; kills it after `timeoutMs`. */
export async function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await new Promise<void>((resolve) => child.once("exit", () => resolve()));
  clearTimeout(timer);
}
