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
const request = grpcFrame(toBinary(WatchChangesRequestSchema, create(WatchChangesRequestSchema, {})));

const deliveries = new Map<bigint, number[]>();
let ended = 0;
let firstError: string | undefined;
const sessions: http2.ClientHttp2Session[] = [];
for (let c = 0; c < connections; c++) {
  const session = http2.connect(url);
  session.on("error", (err) => (firstError ??= `session: ${err.message}`));
  sessions.push(session);
}
for (let s = 0; s < streams; s++) {
  const stream = (sessions[s % connections] as http2.ClientHttp2Session).request({
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
  });
  const reader = new GrpcFrameReader();
  stream.on("data", (chunk: Buffer) => {
    const now = epochMs();
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
  stream.on("close", () => ended++);
  stream.end(request);
}
send({ type: "opened", streams } satisfies SubscribersOpened);

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
