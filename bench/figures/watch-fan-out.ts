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

const SUBSCRIBERS = 10_000;
const PROCESSES = 2;
/** Connections per subscriber process: 100 streams per connection. */
const CONNECTIONS = 50;
const P99_TARGET_MS = 200;
const RSS_TARGET_BYTES = 16 * 1024;

/**
 * Figure 5: 10,000 idle WatchChanges streams from 2 processes (pinned to the load core), then writes one at a
 * time; for each write, the time from its acknowledgement at the writer to its delivery on every stream (0 when
 * a stream got it before the ack), and the server's RSS per idle stream (RSS after / before opening the streams,
 * each after full GCs).
 */
export async function watchFanOutFigure(ctx: RunContext, server: BenchServer, shape: DatasetShape): Promise<FigureResult> {
  const writes = ctx.full ? 30 : 10;
  const gapMs = ctx.full ? 1000 : 400;
  const before = await server.stats(true);
  const children: ChildProcess[] = [];
  try {
    const perProcess = SUBSCRIBERS / PROCESSES;
    for (let p = 0; p < PROCESSES; p++) {
      children.push(forkPinned("../figures/watch-subscriber.js", [server.grpcUrl, String(perProcess), String(CONNECTIONS)], ctx.cores.load));
    }
    await Promise.all(children.map((child) => nextMessage<SubscribersOpened>(child, "opened", 60_000)));
    const openMs = await waitFor(async () => (await server.stats(false)).watcherCount >= SUBSCRIBERS, 60_000);
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
      figure: 5,
      title: `Change fan-out to ${SUBSCRIBERS.toLocaleString("en")} WatchChanges subscribers`,
      rows: [
        { id: "5a", what: "p99 write ack to delivery, every stream", value: fmt.ms(summary.p99), baseline: "—", ratio: null, target: `≤ ${P99_TARGET_MS} ms, all delivered`, pass: summary.p99 <= P99_TARGET_MS && missing === 0 },
        { id: "5b", what: "server RSS per idle subscriber", value: fmt.kib(perSubscriber), baseline: "—", ratio: null, target: "≤ 16 KiB", pass: perSubscriber <= RSS_TARGET_BYTES },
      ],
      commands: ["npm run bench -- --only 5"],
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
