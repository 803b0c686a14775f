import { createFlagClient } from "../../src/client/create-flag-client.js";
import type { BenchServer } from "../lib/bench-server-process.js";
import { fmt, type FigureResult, type RunContext } from "../lib/figure.js";
import { summarizeLatencies } from "../lib/stats.js";

const TARGET_P99_MS = 50;

/**
 * Figure 11: from the acknowledgement of a write on replica A to its delivery on a WatchChanges stream of
 * replica B (the NOTIFY, B's read of the log, its publish, the stream). One write at a time, each waited for.
 */
export async function postgresPropagationFigure(ctx: RunContext, a: BenchServer, b: BenchServer): Promise<FigureResult> {
  const writes = ctx.full ? 2000 : 500;
  const writer = createFlagClient({ baseUrl: a.grpcUrl, protocol: "grpc" });
  const watcher = createFlagClient({ baseUrl: b.grpcUrl, protocol: "grpc" });
  const abort = new AbortController();
  const delivered = new Map<bigint, number>();
  let wake: (() => void) | undefined;
  const stream = (async () => {
    try {
      for await (const { change } of watcher.watchChanges({}, { signal: abort.signal })) {
        if (!change) continue;
        delivered.set(change.revision, performance.now());
        wake?.();
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  await writer.createFeature({ name: "propagation", enabled: false });
  const fromAckUs: number[] = [];
  const fromSendUs: number[] = [];
  for (let i = 0; i < writes + 20; i++) {
    const sent = performance.now();
    const { revision } = await writer.setFeatureEnabled({ name: "propagation", enabled: i % 2 === 0 });
    const acked = performance.now();
    while (!delivered.has(revision)) await new Promise<void>((resolve) => (wake = resolve));
    const at = delivered.get(revision) as number;
    // The first 20 warm up connections and JIT.
    if (i >= 20) {
      fromAckUs.push(Math.max(0, at - acked) * 1000);
      fromSendUs.push((at - sent) * 1000);
    }
  }
  abort.abort();
  await stream;
  const ack = summarizeLatencies(fromAckUs);
  const send = summarizeLatencies(fromSendUs);
  ctx.log(`  propagation A -> B: p50 ${fmt.us(ack.p50)}, p99 ${fmt.us(ack.p99)} after the ack`);
  return {
    figure: 11,
    title: "Propagation from replica A's ack to a watcher of replica B",
    rows: [
      { id: "11", what: `ack on A -> delivery on B's WatchChanges, p99 (${writes} writes)`, value: fmt.us(ack.p99), baseline: "—", ratio: null, target: `≤ ${TARGET_P99_MS} ms`, pass: ack.p99 <= TARGET_P99_MS * 1000 },
    ],
    commands: ["npm run bench -- --only 11"],
    notes: [
      `Two bench server processes on one PostgreSQL database; the writer calls A (gRPC), the watcher streams from B (gRPC), both in the bench process, one write at a time. After the ack: p50 ${fmt.us(ack.p50)}, p99 ${fmt.us(ack.p99)}, max ${fmt.us(ack.max)} (0 when B delivered before A's ack reached the client). From sending the write: p50 ${fmt.us(send.p50)}, p99 ${fmt.us(send.p99)}.`,
    ],
  };
}
