/**
 * The server the RPC benchmarks measure: `startServer()` exactly as `flagwire serve` calls it (same logger, same
 * defaults), plus the echo baseline on the same grpc-js server. Run as a child process by
 * bench/lib/bench-server-process.ts; talks to its parent over the IPC channel.
 *
 * argv: <db path or postgres:// URL> <log level>
 */
import { readFileSync } from "node:fs";
import { createLogger } from "../../src/server/create-logger.js";
import { startServer } from "../../src/server/start-server.js";
import { createEchoService } from "./echo-service.js";
import { createNoopRoute } from "./noop-route.js";
import type { ServerStats, ToBenchServer } from "../lib/bench-server-protocol.js";

const [dbPath, logLevel = "info"] = process.argv.slice(2);
if (!dbPath || !process.send) throw new Error("usage: node bench-server.js <db> [log level], as a child with IPC");
const send = process.send.bind(process);

const server = await startServer({
  dbPath,
  grpcListen: "127.0.0.1:0",
  httpListen: "127.0.0.1:0",
  logger: createLogger({ level: logLevel }),
  extraGrpcServices: [createEchoService()],
  // Figure 13's baseline: a route that reads the request and answers fixed bytes, on the same HTTP listener as OFREP.
  extraHttpRoutes: [createNoopRoute()],
  // Figures 5 and 17 open 10,000 and 50,000 watch streams from one address (loopback): an operator running that
  // fan-out raises the per-client and total stream caps (defaults 1,000 and 10,000) the same way.
  limits: { maxStreamsPerClient: 100_000, maxStreams: 100_000 },
});
send({ type: "ready", grpcPort: server.grpcPort, httpPort: server.httpPort });

process.on("message", (message: ToBenchServer) => {
  if (message.type === "stats") {
    if (message.gc) collectGarbage();
    const stats: ServerStats = { type: "stats", ...memory(), watcherCount: server.engine.watcherCount };
    send(stats);
  } else if (message.type === "stop") {
    // A normal exit, so that --cpu-prof writes its profile.
    void server.close().then(() => process.exit(0));
  }
});

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("start the bench server with --expose-gc");
  gc();
  gc();
}

function memory(): { rssBytes: number; peakRssBytes: number; heapUsedBytes: number; cpuMs: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  const cpu = process.cpuUsage();
  return {
    rssBytes: process.memoryUsage.rss(),
    peakRssBytes: peakKb * 1024,
    heapUsedBytes: process.memoryUsage().heapUsed,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}
