/**
 * One of figure 5's subscriber processes: opens `streams` WatchChanges streams spread over `connections` HTTP/2
 * connections and records when each change arrives on each stream. Raw HTTP/2 and a frame reader keep the
 * client's own cost per message small, so the latency measured is mostly the server's.
 *
 * argv: <grpc url> <streams> <connections>
 */
import http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { WatchChangesRequestSchema, WatchChangesResponseSchema } from "../../gen/flagwire/v1/flags_pb.js";
import { GrpcFrameReader, grpcFrame } from "../lib/grpc-wire.js";
import { epochMs, type DeliveryReport, type SubscribersOpened, type ToSubscriber } from "./watch-protocol.js";

const [url, streamsArg, connectionsArg] = process.argv.slice(2);
if (!url || !process.send) throw new Error("usage: node watch-subscriber.js <url> <streams> <connections>, as a child with IPC");
const send = process.send.bind(process);
const streams = Number(streamsArg);
const connections = Number(connectionsArg);
const path = "/flagwire.v1.FeatureFlagService/WatchChanges";
/** Streams requested per turn of the event loop. */
const OPEN_CHUNK = 500;
const request = grpcFrame(toBinary(WatchChangesRequestSchema, create(WatchChangesRequestSchema, {})));

const deliveries = new Map<bigint, number[]>();
let ended = 0;
// "opened" is sent once every stream has its first message (the heartbeat saying it is current) or has ended: the
// orchestrator then need not poll a server that is still busy opening tens of thousands of streams.
let requested = false;
let currentStreams = 0;
let openedSent = false;
function current(count = 1): void {
  currentStreams += count;
  if (!openedSent && requested && currentStreams + ended >= streams) {
    openedSent = true;
    send({ type: "opened", streams: currentStreams } satisfies SubscribersOpened);
  }
}
let firstError: string | undefined;
const sessions: http2.ClientHttp2Session[] = [];
for (let c = 0; c < connections; c++) {
  const session = http2.connect(url);
  session.on("error", (err) => (firstError ??= `session: ${err.message}`));
  session.on("goaway", (code) => (firstError ??= `session: GOAWAY ${code} after ${Math.round(performance.now())} ms of this process`));
  sessions.push(session);
}
// Every connection up first (its SETTINGS acknowledged by the server), then the streams in chunks with a turn of the
// event loop between: a loop that opens tens of thousands of streams at once keeps this process from speaking HTTP/2
// for longer than the server waits for a new connection's SETTINGS (10 s), and the server drops the connection.
await Promise.all(sessions.map((session) => new Promise((resolve) => session.once("localSettings", resolve))));
for (let s = 0; s < streams; s++) {
  if (s > 0 && s % OPEN_CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
  const session = sessions[s % connections] as http2.ClientHttp2Session;
  if (session.destroyed) {
    ended++;
    continue;
  }
  const stream = session.request({
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
  });
  const reader = new GrpcFrameReader();
  let first = true;
  stream.on("data", (chunk: Buffer) => {
    const now = epochMs();
    if (first) {
      first = false;
      current();
    }
    for (const message of reader.push(chunk)) {
      const change = fromBinary(WatchChangesResponseSchema, message).change;
      if (!change) continue; // heartbeats and snapshots are not deliveries
      let times = deliveries.get(change.revision);
      if (!times) deliveries.set(change.revision, (times = []));
      times.push(now);
    }
  });
  stream.on("trailers", (trailers) => {
    if (trailers["grpc-status"] !== "0") firstError ??= `stream ended: ${trailers["grpc-status"]} ${trailers["grpc-message"]}`;
  });
  stream.on("error", (err) => (firstError ??= `stream: ${err.message}`));
  stream.on("close", () => {
    ended++;
    current(0);
  });
  stream.end(request);
}
requested = true;
current(0);

process.on("message", (message: ToSubscriber) => {
  if (message.type === "report") {
    const cpu = process.cpuUsage();
    const report: DeliveryReport = {
      type: "report",
      deliveries: Object.fromEntries([...deliveries].map(([r, t]) => [String(r), t])),
      ended,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    if (firstError) report.firstError = firstError;
    send(report);
  } else {
    for (const session of sessions) session.destroy();
    process.exit(0);
  }
});
