/** Messages between the bench orchestrator and bench/server/bench-server.ts over the IPC channel. */

/** Sent once the listeners are up. */
export interface ServerReady {
  type: "ready";
  grpcPort: number;
  httpPort: number;
}

/** Memory and watcher count of the server process. */
export interface ServerStats {
  type: "stats";
  rssBytes: number;
  /** VmHWM: the largest RSS the process has had. */
  peakRssBytes: number;
  heapUsedBytes: number;
  /** CPU time (user + system) the process has used so far, in ms: robust to other work sharing the core. */
  cpuMs: number;
  watcherCount: number;
}

/** What the orchestrator asks. */
export type ToBenchServer = { type: "stats"; gc: boolean } | { type: "stop" };

/** What the server answers. */
export type FromBenchServer = ServerReady | ServerStats;
