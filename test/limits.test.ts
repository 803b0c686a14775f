import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import type { FlagClient, FlagClientProtocol } from "../src/client/create-flag-client.js";
import { envelope, SERVICE } from "./support/raw-http.js";
import { dumpState } from "./support/state-dump.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

// Limits that keep one client from taking the server down, each with a clear error: request size on both listeners,
// open streams per client address, calls per HTTP/2 connection, and slow clients (slow loris) on both listeners.

let ts: TestServer | undefined;
afterEach(async () => {
  await ts?.close();
  ts = undefined;
});

async function refusal(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
    return { code: "OK", message: "" };
  } catch (err) {
    const error = ConnectError.from(err);
    return { code: Code[error.code], message: error.rawMessage };
  }
}

/** A raw TCP connection that sends `data` and then trickles a byte now and then; resolves when the server closes it. */
function slowClient(port: number, data: string): Promise<{ closedAfterMs: number; received: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connectTcp(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    socket.write(data);
    const trickle = setInterval(() => socket.writable && socket.write(data === "" ? "" : "a"), 300);
    socket.on("close", () => {
      clearInterval(trickle);
      resolve({ closedAfterMs: Date.now() - started, received });
    });
  });
}

describe("request size", () => {
  it.each(["grpc", "connect", "grpc-web"] as const)("a request over the limit is RESOURCE_EXHAUSTED over %s, and changes nothing", async (protocol) => {
    ts = await startTestServer({ maxRequestBytes: 64 * 1024 });
    const client = ts.client(protocol);
    const before = await dumpState(client);
    const big = await refusal(client.createFeature({ name: "big", description: "x".repeat(70 * 1024) }));
    expect(big.code).toBe("ResourceExhausted");
    // The gRPC port's wire checks (guard-grpc-wire.ts) word it as the HTTP port does.
    expect(big.message).toMatch(protocol === "grpc" ? /^request is larger than the limit of 65536 bytes: its length prefix says \d+$/ : /larger than the limit of 65536 bytes/);
    expect(await dumpState(client)).toEqual(before);
    // Under the limit, the request reaches the rules (which cap a description at 1024 characters).
    const under = await refusal(client.createFeature({ name: "big", description: "x".repeat(60 * 1024) }));
    expect(under).toEqual({ code: "InvalidArgument", message: expect.stringMatching(/description is 61440 characters long: use at most 1024/) });
  });

  it("the default limit is 4 MiB", async () => {
    ts = await startTestServer();
    const over = await refusal(ts.client("grpc").createFeature({ name: "big", description: "x".repeat(4 * 1024 * 1024) }));
    expect(over).toEqual({ code: "ResourceExhausted", message: expect.stringMatching(/^request is larger than the limit of 4194304 bytes: its length prefix says \d+$/) });
  });
});

describe("open streams per client address", () => {
  /** Opens a watch from revision 0: its first message (the log's first change) shows it open on the server. */
  function openWatch(client: FlagClient) {
    const abort = new AbortController();
    const stream = client.watchChanges({ sinceRevision: 0n }, { signal: abort.signal })[Symbol.asyncIterator]();
    return { first: stream.next(), close: () => abort.abort() };
  }

  it("refuses one stream more than the limit with RESOURCE_EXHAUSTED on both listeners, and accepts again when one ends", async () => {
    ts = await startTestServer({ limits: { maxStreamsPerClient: 3 } });
    const server = ts;
    const protocols: FlagClientProtocol[] = ["grpc", "connect", "grpc-web"];
    await server.client("grpc").createFeature({ name: "ping" });
    const watches = protocols.map((protocol) => openWatch(server.client(protocol)));
    for (const watch of watches) expect((await watch.first).value?.change?.feature).toBe("ping");

    for (const protocol of protocols) {
      const extra = await refusal(openWatch(server.client(protocol)).first);
      expect(extra, protocol).toEqual({
        code: "ResourceExhausted",
        message: expect.stringMatching(/client 127\.0\.0\.1 already has 3 streams open, the most one client address may have: close streams/),
      });
    }
    // Unary calls are not streams: still served.
    expect((await server.client("connect").getFeature({ name: "ping" })).feature?.name).toBe("ping");

    watches[0]?.close();
    await expect
      .poll(async () => {
        const again = openWatch(server.client("connect"));
        const settled = await Promise.race([again.first.then(() => "open", () => "refused"), new Promise((r) => setTimeout(() => r("open"), 300))]);
        again.close();
        return settled;
      }, { timeout: 5000, interval: 100 })
      .toBe("open");
    for (const watch of watches) watch.close();
  });
});

describe("connections", () => {
  it("the gRPC port announces the limit of concurrent calls per connection (HTTP/2 SETTINGS)", async () => {
    ts = await startTestServer({ limits: { maxConcurrentStreamsPerConnection: 7 } });
    const session = connectHttp2(ts.grpcUrl);
    try {
      const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) => session.once("remoteSettings", resolve));
      expect(settings.maxConcurrentStreams).toBe(7);
    } finally {
      session.close();
    }
  });

  it("HTTP port: a client that sends its headers or body too slowly gets 408 and is disconnected; a long stream is not", { timeout: 20_000 }, async () => {
    ts = await startTestServer({ limits: { requestTimeoutMs: 1000 } });
    const port = Number(new URL(ts.httpUrl).port);
    const path = `/${SERVICE}/CreateFeature`;
    const watch = ts.client("connect").watchChanges({})[Symbol.asyncIterator]();
    expect((await watch.next()).value?.heartbeat).toBeDefined(); // current
    const next = watch.next();
    const slow = await Promise.all([
      slowClient(port, ""),
      slowClient(port, `POST ${path} HTTP/1.1\r\nHost: localhost\r\nX-Slow: `),
      slowClient(port, `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`),
    ]);
    for (const { closedAfterMs, received } of slow) {
      expect(closedAfterMs).toBeLessThan(5000);
      if (received) expect(received).toMatch(/^HTTP\/1\.1 408 /);
    }
    // The stream opened before them is still open, past the request timeout.
    await ts.client("grpc").createFeature({ name: "after-the-timeout" });
    expect((await next).value?.change?.feature).toBe("after-the-timeout");
    await watch.return?.();
  });

  it("gRPC port: a connection that never speaks HTTP/2, or never finishes its request, is closed", { timeout: 20_000 }, async () => {
    ts = await startTestServer({ limits: { idleConnectionTimeoutMs: 1000, maxConnectionAgeMs: 1000 } });
    const port = Number(new URL(ts.grpcUrl).port);
    const silent = slowClient(port, "");
    const preface = slowClient(port, "PRI * HTTP/2.0\r\n");
    // A call whose message never finishes arriving: it holds a stream, so only the connection's age ends it.
    const session = connectHttp2(ts.grpcUrl);
    session.on("error", () => undefined);
    const started = Date.now();
    const stream = session.request({ ":method": "POST", ":path": `/${SERVICE}/CreateFeature`, "content-type": "application/grpc", te: "trailers" });
    stream.on("error", () => undefined);
    stream.write(envelope(Buffer.alloc(100)).subarray(0, 20)); // 20 of 105 bytes
    const closed = new Promise<number>((resolve) => session.once("close", () => resolve(Date.now() - started)));

    for (const { closedAfterMs } of await Promise.all([silent, preface])) expect(closedAfterMs).toBeLessThan(5000);
    expect(await closed).toBeLessThan(6000);
    expect((await dumpState(ts.client("grpc"))).features).toEqual([]);
  });
});
