import type { ChildProcess } from "node:child_process";
import { fromBinary } from "@bufbuild/protobuf";
import { SetOverrideResponseSchema } from "../../gen/flagwire/v1/flags_pb.js";
import type { BenchServer } from "../lib/bench-server-process.js";
import type { DatasetShape } from "../lib/dataset.js";
import { fmt, type FigureResult, type RunContext } from "../lib/figure.js";
import { exited, forkPinned, nextMessage } from "../lib/fork-pinned.js";
import { summarizeLatencies } from "../lib/stats.js";
import { callUnary, connect } from "../lib/unary-call.js";
import { methodPath } from "./evaluate-vs-echo.js";
import { setOverrideFrames } from "./set-override.js";
import { epochMs, type DeliveryReport, type SubscribersOpened } from "./watch-protocol.js";

/** One fan-out measurement: how many streams, from how many processes and connections, and its targets. */
export interface FanOutShape {
  figure: number;
  /** Row ids: latency, then memory. */
  ids: [string, string];
  subscribers: number;
  processes: number;
  /** HTTP/2 connections per subscriber process; streams per connection stay under the server's 1,000. */
  connections: number;
  p99TargetMs: number;
  rssTargetBytes: number;
  /** Writes and the pause after each, quick and `--full`: the pause outlasts one write's whole fan-out. */
  writes: { quick: number; full: number };
  gapMs: { quick: number; full: number };
  /** How long opening every stream may take. */
  openTimeoutMs: number;
}

/** Figure 5: 10,000 streams from 2 processes, 50 connections each (100 streams per connection). */
export const FIGURE_5: FanOutShape = {
  figure: 5,
  ids: ["5a", "5b"],
  subscribers: 10_000,
  processes: 2,
  connections: 50,
  p99TargetMs: 200,
  rssTargetBytes: 8 * 1024,
  writes: { quick: 10, full: 30 },
  gapMs: { quick: 400, full: 1000 },
  openTimeoutMs: 60_000,
};

/**
 * Figure 17: 50,000 streams from 4 processes, 50 connections each (250 streams per connection: under the server's
 * 1,000 per connection, and 200 connections with 400 file descriptors in all).
 */
export const FIGURE_17: FanOutShape = {
  figure: 17,
  ids: ["17a", "17b"],
  subscribers: 50_000,
  processes: 4,
  connections: 50,
  p99TargetMs: 500,
  rssTargetBytes: 8 * 1024,
  writes: { quick: 8, full: 30 },
  gapMs: { quick: 1500, full: 2000 },
  openTimeoutMs: 120_000,
};

/**
 * Figures 5 and 17: `shape.subscribers` idle WatchChanges streams from `shape.processes` processes (pinned to the
 * load core), then writes one at a time; for each write, the time from its acknowledgement at the writer to its
 * delivery on every stream (0 when a stream got it before the ack), and the server's RSS per idle stream (RSS after /
 * before opening the streams, each after full GCs).
 */
export async function watchFanOutFigure(ctx: RunContext, server: BenchServer, shape: DatasetShape, fanOut: FanOutShape = FIGURE_5): Promise<FigureResult> {
  const { subscribers: SUBSCRIBERS, processes: PROCESSES, connections: CONNECTIONS } = fanOut;
  const writes = ctx.full ? fanOut.writes.full : fanOut.writes.quick;
  const gapMs = ctx.full ? fanOut.gapMs.full : fanOut.gapMs.quick;
  const before = await server.stats(true);
  const children: ChildProcess[] = [];
  try {
    const perProcess = SUBSCRIBERS / PROCESSES;
    // One process after another: while one opens its streams the server is busy, and a connection of another that
    // waited meanwhile for the server to read its SETTINGS for more than 10 s would be dropped (guard-grpc-connections).
    const opening = performance.now();
    const opened: SubscribersOpened[] = [];
    for (let p = 0; p < PROCESSES; p++) {
      const child = forkPinned("../figures/watch-subscriber.js", [server.grpcUrl, String(perProcess), String(CONNECTIONS)], ctx.cores.load);
      children.push(child);
      opened.push(await nextMessage<SubscribersOpened>(child, "opened", fanOut.openTimeoutMs));
    }
    const openMs = performance.now() - opening;
    const current = opened.reduce((n, o) => n + o.streams, 0);
    const { watcherCount } = await server.stats(false);
    if (current < SUBSCRIBERS || watcherCount < SUBSCRIBERS) {
      const reports = await Promise.all(children.map(report));
      const errors = reports.map((r) => r.firstError).filter(Boolean);
      throw new Error(`${current} of ${SUBSCRIBERS} streams current, ${watcherCount} watchers at the server (${errors.join("; ") || "no error"})`);
    }
    await sleep(1000);
    const idle = await server.stats(true);
    const perSubscriber = (idle.rssBytes - before.rssBytes) / SUBSCRIBERS;
    ctx.log(`  ${idle.watcherCount} watchers after ${fmt.ms(openMs)}; RSS ${fmt.mib(before.rssBytes)} -> ${fmt.mib(idle.rssBytes)}: ${fmt.kib(perSubscriber)} per subscriber`);

    const clientCpuBefore = (await Promise.all(children.map(report))).reduce((ms, r) => ms + r.cpuMs, 0);
    const serverCpuBefore = (await server.stats(false)).cpuMs;
    const acks = new Map<string, number>();
    const session = await connect(server.grpcUrl);
    const frames = setOverrideFrames(shape);
    for (let w = 0; w < writes; w++) {
      const outcome = await callUnary(session, methodPath("SetOverride"), frames(w));
      const ackAt = epochMs();
      if (outcome.status !== 0) throw new Error(`SetOverride failed: ${outcome.status} ${outcome.message}`);
      acks.set(String(fromBinary(SetOverrideResponseSchema, outcome.body).revision), ackAt);
      await sleep(gapMs);
    }
    session.close();

    let reports: DeliveryReport[] = [];
    const expected = SUBSCRIBERS * writes;
    const count = (list: DeliveryReport[]) => list.reduce((n, r) => n + Object.values(r.deliveries).reduce((m, t) => m + t.length, 0), 0);
    await waitFor(async () => {
      reports = await Promise.all(children.map(report));
      return count(reports) >= expected;
    }, 30_000).catch(() => undefined);
    const serverCpuMs = (await server.stats(false)).cpuMs - serverCpuBefore;
    const clientCpuMs = reports.reduce((ms, r) => ms + r.cpuMs, 0) - clientCpuBefore;
    const latencies: number[] = [];
    for (const r of reports) {
      for (const [revision, times] of Object.entries(r.deliveries)) {
        const ackAt = acks.get(revision);
        if (ackAt !== undefined) for (const t of times) latencies.push(Math.max(0, t - ackAt));
      }
    }
    const missing = expected - latencies.length;
    const errors = reports.map((r) => r.firstError).filter(Boolean);
    const summary = summarizeLatencies(latencies);
    ctx.log(`  ${latencies.length} deliveries, ${missing} missing; p50 ${fmt.ms(summary.p50)}, p99 ${fmt.ms(summary.p99)}, max ${fmt.ms(summary.max)}`);
    return {
      figure: fanOut.figure,
      title: `Change fan-out to ${SUBSCRIBERS.toLocaleString("en")} WatchChanges subscribers`,
      rows: [
        {
          id: fanOut.ids[0],
          what: "p99 write ack to delivery, every stream",
          value: fmt.ms(summary.p99),
          baseline: "—",
          ratio: null,
          target: `≤ ${fanOut.p99TargetMs} ms, all delivered`,
          pass: summary.p99 <= fanOut.p99TargetMs && missing === 0,
        },
        {
          id: fanOut.ids[1],
          what: "server RSS per idle subscriber",
          value: fmt.kib(perSubscriber),
          baseline: "—",
          ratio: null,
          target: `≤ ${fmt.kib(fanOut.rssTargetBytes)}`,
          pass: perSubscriber <= fanOut.rssTargetBytes,
        },
      ],
      commands: [`npm run bench -- --only ${fanOut.figure}`],
      notes: [
        `${SUBSCRIBERS.toLocaleString("en")} streams from ${PROCESSES} processes, ${CONNECTIONS} HTTP/2 connections each (${SUBSCRIBERS / PROCESSES / CONNECTIONS} streams per connection), raw HTTP/2 clients; ${writes} SetOverride writes ${gapMs} ms apart, each acknowledged before the next.`,
        `Delivery latency over ${latencies.length.toLocaleString("en")} deliveries: p50 ${fmt.ms(summary.p50)}, p99 ${fmt.ms(summary.p99)}, max ${fmt.ms(summary.max)}; ${missing} missing${errors.length ? `; errors: ${errors.join("; ")}` : ""}. A delivery that arrives before the writer's ack counts as 0 ms.`,
        `CPU time per delivery: server ${fmt.us((serverCpuMs * 1000) / Math.max(1, latencies.length))} (the whole fan-out of one write: ${fmt.ms(serverCpuMs / writes)}), subscriber processes ${fmt.us((clientCpuMs * 1000) / Math.max(1, latencies.length))}: the clients share the load core, so their own cost is part of the measured latency.`,
        `Server RSS ${fmt.mib(before.rssBytes)} before the streams, ${fmt.mib(idle.rssBytes)} with ${idle.watcherCount} idle streams (after GC); heap used ${fmt.mib(before.heapUsedBytes)} -> ${fmt.mib(idle.heapUsedBytes)} (${fmt.kib((idle.heapUsedBytes - before.heapUsedBytes) / SUBSCRIBERS)} per stream). All streams open after ${fmt.ms(openMs)}.`,
      ],
    };
  } finally {
    for (const child of children) if (child.connected) child.send({ type: "close" });
    await Promise.all(children.map((child) => exited(child, 10_000)));
  }
}

async function report(child: ChildProcess): Promise<DeliveryReport> {
  const reply = nextMessage<DeliveryReport>(child, "report", 30_000);
  child.send({ type: "report" });
  return reply;
}

/** Polls `done` until it holds; returns the milliseconds it took. Throws after `timeoutMs`. */
async function waitFor(done: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await done())) {
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(100);
  }
  return performance.now() - started;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
