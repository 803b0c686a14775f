import { create, toBinary } from "@bufbuild/protobuf";
import { SetOverrideRequestSchema } from "../../gen/flagwire/v1/flags_pb.js";
import type { BenchServer } from "../lib/bench-server-process.js";
import { ids, type DatasetShape } from "../lib/dataset.js";
import { fmt, type FigureResult, type RunContext } from "../lib/figure.js";
import { grpcFrame } from "../lib/grpc-wire.js";
import { summarizeLatencies } from "../lib/stats.js";
import type { UnaryLoadResult } from "../lib/unary-load.js";
import { runForkedLoad, type ForkedLoadOptions } from "../lib/write-load.js";
import { ECHO_PATH } from "../server/echo-service.js";
import { methodPath } from "./evaluate-vs-echo.js";

const WRITERS = 50;
/**
 * Writers per HTTP/2 connection. Measured on echo with 50 writers (2-core machine, alternating): one per connection
 * 7,900-8,300 calls/s, ten per connection 13,700-14,400, which is h2load's echo of figure 1 (13,600 then).
 */
const PER_CONNECTION = 10;

/**
 * The k-th write of the benchmark: an override of the hot feature on an odd customer (which the data set leaves
 * without one), on in the first pass over those customers, off in the second, and so on: every write changes
 * something, so every write commits a transaction and appends a change.
 */
export function setOverrideFrames(shape: DatasetShape): (k: number) => Buffer {
  const targets = Math.floor(shape.customers / 2);
  const frames: Buffer[][] = [true, false].map((enabled) =>
    Array.from({ length: targets }, (_, i) =>
      grpcFrame(
        toBinary(
          SetOverrideRequestSchema,
          create(SetOverrideRequestSchema, {
            feature: ids.hotFeature,
            target: { kind: { case: "customerId", value: ids.customer(2 * i + 1) } },
            enabled,
          }),
        ),
      ),
    ),
  );
  return (k) => (frames[Math.floor(k / targets) % 2] as Buffer[])[k % targets] as Buffer;
}

/** One load process per load core (`1`, `1-3`, `1,3`): processes on one core would only share it. */
export function loadProcesses(cores: string): number {
  return cores.split(",").reduce((n, part) => {
    const [from, to] = part.split("-").map(Number);
    return n + (to === undefined ? 1 : (to as number) - (from as number) + 1);
  }, 0);
}

/**
 * Figure 4: SetOverride from 50 concurrent writers (one call in flight each, ten per HTTP/2 connection), against
 * the echo RPC of figure 1. h2load cannot vary the body, so Node load processes make these calls
 * (bench/lib/write-load.ts, one per load core); the same generator is run on the echo RPC, to show how close it
 * comes to the ceiling (h2load's echo) that the ratio divides by.
 */
export async function setOverrideFigure(ctx: RunContext, server: BenchServer, shape: DatasetShape, echoRps: number): Promise<FigureResult> {
  const url = server.grpcUrl;
  const processes = loadProcesses(ctx.cores.load);
  const timing = { warmUpMs: ctx.full ? 2000 : 1000, durationMs: ctx.full ? 10_000 : 4000 };
  const load = (options: Pick<ForkedLoadOptions, "path" | "bodies" | "concurrency">) =>
    runForkedLoad({ url, processes, callersPerConnection: PER_CONNECTION, cores: ctx.cores.load, ...timing, ...options });
  const cpuBefore = (await server.stats(false)).cpuMs;
  const writes = await load({ path: methodPath("SetOverride"), bodies: { kind: "set-override", shape }, concurrency: WRITERS });
  const cpuUsPerWrite = (((await server.stats(false)).cpuMs - cpuBefore) * 1000) / writes.calls;
  check(writes, "SetOverride");
  const echoBodies = { kind: "fixed" as const, frameBase64: setOverrideFrames(shape)(0).toString("base64") };
  const echo = await load({ path: ECHO_PATH, bodies: echoBodies, concurrency: WRITERS });
  check(echo, "echo");
  const latency = summarizeLatencies(writes.latenciesUs);
  ctx.log(
    `  SetOverride: ${Math.round(writes.rps)} calls/s, p99 ${Math.round(latency.p99)} µs; echo with the same generator ${Math.round(echo.rps)} calls/s; h2load's echo ${Math.round(echoRps)}`,
  );
  const ratio = writes.rps / echoRps;
  const reach = echo.rps / echoRps;
  return {
    figure: 4,
    title: "SetOverride over gRPC, 50 concurrent writers, synchronous=FULL",
    rows: [
      {
        id: "4",
        what: `SetOverride throughput, ${WRITERS} writers`,
        value: fmt.rps(writes.rps),
        baseline: `echo (figure 1, -c 50 -m 10) ${fmt.rps(echoRps)}`,
        ratio,
        target: "≥ 0.5×",
        pass: ratio >= 0.5,
      },
    ],
    commands: ["npm run bench -- --only 4"],
    notes: [
      `Every write changes an override (hot feature, odd customers, on then off), so each one commits a transaction and appends a change; the store opens SQLite in WAL mode with \`synchronous=FULL\`. Small data set.`,
      `Write latency p50 ${fmt.us(latency.p50)}, p99 ${fmt.us(latency.p99)}, ${writes.ok.toLocaleString("en")} writes in the window, ${writes.failed} failed. Server CPU per write ${cpuUsPerWrite.toFixed(0)} µs; writes that arrive in the same event-loop turn share one transaction and one fsync (group commit).`,
      `The load generator: ${processes} Node process${processes === 1 ? "" : "es"} (one per load core, bench/lib/write-load.ts), ${PER_CONNECTION} writers per HTTP/2 connection. On the echo RPC, with the same 50 writers, it reaches ${fmt.rps(echo.rps)}: ${reach.toFixed(2)}× h2load's echo of figure 1 (-c 50 -m 10), which the ratio above divides by. SetOverride is ${(writes.rps / echo.rps).toFixed(2)}× the generator's own echo.${
        reach < 0.9 ? " **The generator stays below the echo's h2load ceiling here: the ratio above understates the server.**" : ""
      }`,
    ],
  };
}

function check(result: UnaryLoadResult, what: string): void {
  if (result.failed > 0 || result.ok === 0) {
    throw new Error(`${what}: ${result.failed} calls failed, ${result.ok} OK; first failure ${result.firstFailure ?? "none"}`);
  }
}
