import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { gzipSync } from "node:zlib";
import { connectRawGrpc } from "../../support/raw-grpc.js";
import { envelope, SERVICE } from "../../support/raw-http.js";
import { REFUSAL_LINES_PER_SECOND } from "../../../src/server/refusal-log.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// "One structured log line per RPC" holds for every request, also for those refused before the handler runs:
// undecodable bodies on the gRPC port, and whatever connect refuses on the HTTP port (routing, HTTP method,
// content type, decoding, size).

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

const DEBUG = 20;
const INFO = 30;
let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer({ logger: pino({ level: "debug" }, sink), maxRequestBytes: 64 * 1024 });
  await ts.client("connect").createFeature({ name: "dashboard", enabled: true });
});

afterAll(async () => {
  await ts?.close();
});

/** A unary or server-streaming call through grpc-js with raw bytes; resolves with its status code. */
function grpcRaw(method: string, body: Buffer, streaming = false): Promise<number> {
  const client = new grpc.Client(ts.grpcUrl.replace(/^http:\/\//, ""), grpc.credentials.createInsecure());
  return new Promise<number>((resolve) => {
    const path = `/${SERVICE}/${method}`;
    if (streaming) {
      const call = client.makeServerStreamRequest<Buffer, Buffer>(path, (b) => b, (b) => b, body);
      call.on("data", () => undefined);
      call.on("status", (status: grpc.StatusObject) => resolve(status.code));
      call.on("error", () => undefined);
    } else {
      client.makeUnaryRequest<Buffer, Buffer>(path, (b) => b, (b) => b, body, (err) => resolve(err ? err.code : grpc.status.OK));
    }
  }).finally(() => client.close());
}

/** POSTs raw bytes on its own HTTP/2 connection to the gRPC port, as no gRPC client would frame them. */
async function grpcFramed(path: string, body: Buffer, headers: Record<string, string> = {}) {
  const raw = connectRawGrpc(ts.grpcUrl);
  try {
    return await raw.post(path, body, headers);
  } finally {
    raw.close();
  }
}

const http = (path: string, init: RequestInit) => fetch(`${ts.httpUrl}${path}`, init).then((res) => res.arrayBuffer());
const rpc = (method: string) => `/${SERVICE}/${method}`;
const NOT_PROTOBUF = Buffer.from([0xff, 0xff, 0xff, 0xff]);

interface LogRow {
  name: string;
  send: () => Promise<unknown>;
  /** The fields the one line must have (it may have more, e.g. durationMs). */
  line: Record<string, unknown>;
}

const rows: LogRow[] = [
  // The gRPC port: refused by createGrpcService before the handler.
  {
    name: "gRPC unary body that is not protobuf",
    send: () => grpcRaw("CreateFeature", NOT_PROTOBUF),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "grpc", code: "invalid_argument", message: expect.stringMatching(/not a valid/) },
  },
  {
    name: "gRPC server-streaming body that is not protobuf",
    send: () => grpcRaw("WatchChanges", NOT_PROTOBUF, true),
    line: { method: `${SERVICE}/WatchChanges`, protocol: "grpc", code: "invalid_argument", message: expect.stringMatching(/not a valid/) },
  },
  // The gRPC port: refused by grpc-js itself, or by the wire checks in front of it (guard-grpc-wire.ts).
  {
    name: "gRPC unknown method",
    send: () => grpcRaw("NoSuchMethod", Buffer.alloc(0)),
    line: { method: "/flagwire.v1.FeatureFlagService/NoSuchMethod", protocol: "grpc", code: "unimplemented", message: expect.stringMatching(/does not implement/) },
  },
  {
    name: "gRPC content-type text/plain",
    send: () => grpcFramed("CreateFeature", envelope(Buffer.alloc(0)), { "content-type": "text/plain" }),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "grpc", httpStatus: 415, code: "unimplemented", message: expect.stringMatching(/not application\/grpc/) },
  },
  {
    name: "gRPC body over the size limit",
    send: () => grpcRaw("CreateFeature", Buffer.alloc(70_000)),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "grpc", code: "resource_exhausted", message: expect.stringMatching(/larger than the limit of 65536 bytes/) },
  },
  {
    name: "gRPC message that is not gzip",
    send: () => grpcFramed("CreateFeature", envelope(NOT_PROTOBUF, 1), { "grpc-encoding": "gzip" }),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "grpc", code: "invalid_argument", message: expect.stringMatching(/not valid gzip/) },
  },
  {
    name: "gRPC message that inflates past the size limit",
    send: () => grpcFramed("CreateFeature", envelope(gzipSync(Buffer.alloc(70_000)), 1), { "grpc-encoding": "gzip" }),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "grpc", code: "resource_exhausted", message: expect.stringMatching(/once decompressed/) },
  },
  {
    name: "gRPC message marked compressed without grpc-encoding",
    send: () => grpcFramed("CreateFeature", envelope(NOT_PROTOBUF, 1)),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "grpc", code: "invalid_argument", message: expect.stringMatching(/no grpc-encoding header/) },
  },
  {
    name: "gRPC server-streaming call with no message",
    send: () => grpcFramed("WatchChanges", Buffer.alloc(0)),
    line: { method: `${SERVICE}/WatchChanges`, protocol: "grpc", code: "invalid_argument", message: expect.stringMatching(/request has no message/) },
  },
  // The HTTP port: refused by the router or by connect before the handler.
  {
    name: "HTTP unknown path",
    send: () => http("/nope", { method: "POST" }),
    line: { method: "/nope", protocol: "http", httpStatus: 404, code: "unimplemented", message: expect.stringMatching(/no RPC at/) },
  },
  {
    name: "HTTP method PUT",
    send: () => http(rpc("CreateFeature"), { method: "PUT" }),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "http", httpStatus: 405, code: "unimplemented" },
  },
  {
    name: "HTTP content-type text/plain",
    send: () => http(rpc("CreateFeature"), { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "http", httpStatus: 415, code: "unimplemented" },
  },
  {
    name: "HTTP Connect JSON that does not decode",
    send: () => http(rpc("CreateFeature"), { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "http", httpStatus: 400, code: "invalid_argument", message: expect.stringMatching(/JSON/) },
  },
  {
    name: "HTTP Connect body over the size limit",
    send: () => http(rpc("CreateFeature"), { method: "POST", headers: { "content-type": "application/json" }, body: `{"name":"${"a".repeat(70_000)}"}` }),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "http", httpStatus: 429, code: "resource_exhausted" },
  },
  {
    name: "HTTP gRPC-Web body that is not protobuf",
    send: () => http(rpc("CreateFeature"), { method: "POST", headers: { "content-type": "application/grpc-web+proto" }, body: envelope(NOT_PROTOBUF) }),
    line: { method: `${SERVICE}/CreateFeature`, protocol: "http", httpStatus: 200, code: "invalid_argument", message: expect.stringMatching(/not a valid/) },
  },
  {
    name: "HTTP Connect stream body that is not protobuf",
    send: () => http(rpc("WatchChanges"), { method: "POST", headers: { "content-type": "application/connect+proto" }, body: envelope(NOT_PROTOBUF) }),
    line: { method: `${SERVICE}/WatchChanges`, protocol: "http", httpStatus: 200, code: "invalid_argument", message: expect.stringMatching(/not a valid/) },
  },
  // Requests the handler sees are logged by the interceptor, once, and never again by the listener.
  {
    name: "gRPC call that succeeds",
    send: () => ts.client("grpc").getFeature({ name: "dashboard" }),
    line: { method: `${SERVICE}/GetFeature`, protocol: "grpc", code: "ok", level: DEBUG },
  },
  {
    name: "Connect call the handler refuses",
    send: () => ts.client("connect").getFeature({ name: "dashbord" }).catch((err: unknown) => err),
    line: { method: `${SERVICE}/GetFeature`, protocol: "connect", code: "not_found" },
  },
  {
    name: "Connect stream the client leaves after one change",
    send: async () => {
      const left = new AbortController();
      const changes = ts.client("connect").watchChanges({ sinceRevision: 0n }, { signal: left.signal });
      for await (const _ of changes) break; // the seed's CreateFeature
      left.abort();
    },
    line: { method: `${SERVICE}/WatchChanges`, protocol: "connect", code: "ok", level: DEBUG },
  },
  {
    name: "Connect GET call that succeeds",
    send: () => http(`${rpc("GetFeature")}?encoding=json&message=${encodeURIComponent('{"name":"dashboard"}')}`, { method: "GET" }),
    line: { method: `${SERVICE}/GetFeature`, protocol: "connect", code: "ok", level: DEBUG },
  },
  {
    name: "gRPC write that succeeds",
    send: () => ts.client("grpc").setFeatureEnabled({ name: "dashboard", enabled: true }),
    line: { method: `${SERVICE}/SetFeatureEnabled`, protocol: "grpc", code: "ok" },
  },
];

/** Log lines written by the RPCs themselves (not by startup). */
const rpcLines = () => lines.filter((line) => line.msg === "rpc" || line.msg === "rpc failed");

describe("one log line per RPC", () => {
  for (const { name, send, line } of rows) {
    it(name, async () => {
      lines.length = 0;
      await send();
      await vi.waitFor(() => expect(rpcLines().length).toBeGreaterThan(0));
      await sleep(100); // a second line, if there were one, would have been written by now
      // Successful reads log at debug (a line per evaluation is too costly at info); writes and refusals at info.
      expect(rpcLines()).toEqual([expect.objectContaining({ level: INFO, ...line, msg: "rpc", durationMs: expect.any(Number) })]);
    });
  }
});

describe("a flood of refused requests", () => {
  it("logs one line each up to the rate limit, then a line saying how many were left out", async () => {
    lines.length = 0;
    const sent = 3 * REFUSAL_LINES_PER_SECOND;
    const raw = connectRawGrpc(ts.grpcUrl);
    try {
      for (let i = 0; i < sent; i++) await raw.post("NoSuchMethod", Buffer.alloc(0));
    } finally {
      raw.close();
    }
    const summaries = () => lines.filter((line) => line.msg === "rpc lines suppressed: too many refused requests");
    const logged = () => rpcLines().filter((line) => line.method === "/flagwire.v1.FeatureFlagService/NoSuchMethod").length;
    const suppressed = () => summaries().reduce((sum, line) => sum + Number(line.suppressed), 0);
    // However the burst falls across one-second windows, every refusal ends up a line or counted in a summary.
    await vi.waitFor(() => expect(logged() + suppressed()).toBe(sent), { timeout: 3000 });
    expect(logged()).toBeLessThan(sent);
    expect(summaries()[0]).toMatchObject({ level: 40, linesPerSecond: REFUSAL_LINES_PER_SECOND });
  });
});
