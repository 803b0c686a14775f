import type { FromBenchServer, ServerReady, ServerStats } from "./bench-server-protocol.js";
import { exited, forkPinned, nextMessage } from "./fork-pinned.js";

/** Options of {@link startBenchServer}. */
export interface BenchServerOptions {
  /** The database, as `--db` takes it: a SQLite file path, or a `postgres://` URL (figures 9-12). */
  dbPath: string;
  /** Cores the server is pinned to (`taskset -c`). */
  cores: string;
  /** The server's log level; `info` is what `flagwire serve` runs with. */
  logLevel: string;
  /** When set, the server writes a V8 CPU profile there when it stops (`--cpu-prof`). */
  profileDir?: string | undefined;
}

/** A bench server running in its own pinned process. */
export interface BenchServer {
  pid: number;
  grpcUrl: string;
  /** The HTTP listener (Connect, gRPC-Web, OFREP). */
  httpUrl: string;
  /** Milliseconds from spawning the process to its listeners being up (node start, load, listen). */
  readyMs: number;
  /** performance.now() of the parent when the process was spawned. */
  spawnedAt: number;
  /** Memory and watchers; with `gc`, after full garbage collections. */
  stats(gc: boolean): Promise<ServerStats>;
  /** Graceful stop; resolves when the process has exited (and written its profile, if any). */
  stop(): Promise<void>;
}

/** Starts bench/server/bench-server.ts pinned to `options.cores` and waits until it serves. */
export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const nodeFlags = ["--expose-gc"];
  if (options.profileDir) nodeFlags.push("--cpu-prof", `--cpu-prof-dir=${options.profileDir}`);
  const spawnedAt = performance.now();
  const child = forkPinned("../server/bench-server.js", [options.dbPath, options.logLevel], options.cores, nodeFlags);
  const ready = await nextMessage<FromBenchServer>(child, "ready", 120_000) as ServerReady;
  return {
    pid: child.pid as number,
    grpcUrl: `http://127.0.0.1:${ready.grpcPort}`,
    httpUrl: `http://127.0.0.1:${ready.httpPort}`,
    readyMs: performance.now() - spawnedAt,
    spawnedAt,
    async stats(gc) {
      const reply = nextMessage<FromBenchServer>(child, "stats", 30_000);
      child.send({ type: "stats", gc });
      return (await reply) as ServerStats;
    },
    async stop() {
      if (child.exitCode === null && child.connected) child.send({ type: "stop" });
      await exited(child, 20_000);
    },
  };
}
