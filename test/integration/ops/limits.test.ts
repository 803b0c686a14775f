import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { FlagClient, FlagClientProtocol } from "../../../src/client/create-flag-client.js";
import { envelope, SERVICE } from "../../support/raw-http.js";
import { connectRawGrpc } from "../../support/raw-grpc.js";
import { openRawWatch, type RawWatch } from "../../support/raw-watch.js";
import { dumpState } from "../../support/state-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { waitUntil } from "../../support/wait-until.js";
import { PROTOCOLS } from "../../support/protocols.js";
import { callOutcome } from "../../support/call-outcome.js";

// Limits that keep one client from taking the server down, each with a clear error: request size on both listeners,
// open streams per client address, calls per HTTP/2 connection, and slow clients (slow loris) on both listeners.

let ts: TestServer | undefined;
let raw: RawWatch[] = [];
afterEach(async () => {
  for (const watch of raw) watch.close();
  raw = [];
  await ts?.close();
  ts = undefined;
});

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
  it.each(PROTOCOLS)("a request over the limit is RESOURCE_EXHAUSTED over %s, and changes nothing", async (protocol) => {
    ts = await startTestServer({ maxRequestBytes: 64 * 1024 });
    const client = ts.client(protocol);
    const before = await dumpState(client);
    const big = await callOutcome(client.createFeature({ name: "big", description: "x".repeat(70 * 1024) }));
    expect(big.code).toBe("ResourceExhausted");
    // The gRPC port's wire checks (guard-grpc-wire.ts) word it as the HTTP port does.
    expect(big.message).toMatch(protocol === "grpc" ? /^request is larger than the limit of 65536 bytes: its length prefix says \d+$/ : /larger than the limit of 65536 bytes/);
    expect(await dumpState(client)).toEqual(before);
    // Under the limit, the request reaches the rules (which cap a description at 1024 characters).
    const under = await callOutcome(client.createFeature({ name: "big", description: "x".repeat(60 * 1024) }));
    expect(under).toEqual({ code: "InvalidArgument", message: expect.stringMatching(/description is 61440 characters long: use at most 1024/) });
  });

  it("the default limit is 4 MiB", async () => {
    ts = await startTestServer();
    const over = await callOutcome(ts.client("grpc").createFeature({ name: "big", description: "x".repeat(4 * 1024 * 1024) }));
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
    const protocols: readonly FlagClientProtocol[] = PROTOCOLS;
    await server.client("grpc").createFeature({ name: "ping" });
    const watches = protocols.map((protocol) => openWatch(server.client(protocol)));
    for (const watch of watches) expect((await watch.first).value?.change?.feature).toBe("ping");

    for (const protocol of protocols) {
      const extra = await callOutcome(openWatch(server.client(protocol)).first);
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

describe("caps on the whole server", () => {
  it("refuses streams over the global cap, however many client addresses they come from (127.0.0.2-.5)", async () => {
    ts = await startTestServer({ limits: { maxStreamsPerClient: 2, maxStreams: 5 } });
    const server = ts;
    const port = server.server.httpPort;
    const from = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
    const open = from.flatMap((localAddress) => [openRawWatch(port, "connect+json", { localAddress }), openRawWatch(port, "connect+json", { localAddress })]);
    raw.push(...open);
    await waitUntil("five streams open", () => server.server.engine.watcherCount === 5, 5000);
    // Each address holds at most 2, under its own cap: the sixth stream is refused by the global one.
    const sixth = await open.at(-1)?.readToEnd(5000);
    expect(sixth).toMatchObject({
      code: "resource_exhausted",
      message: expect.stringMatching(/^the server already has 5 streams open, the most it allows: retry later/),
    });
    const fromAnother = openRawWatch(port, "grpc-web", { localAddress: "127.0.0.5" });
    raw.push(fromAnother);
    expect(await fromAnother.readToEnd(5000)).toMatchObject({ code: "resource_exhausted", message: expect.stringMatching(/already has 5 streams open/) });
    expect(await callOutcome(server.client("grpc").watchChanges({})[Symbol.asyncIterator]().next())).toMatchObject({ code: "ResourceExhausted" });
    // Unary calls are not streams: still served. And a stream that ends frees its place.
    expect((await server.client("connect").listFeatures({})).features).toEqual([]);
    open[0]?.close();
    await waitUntil("a place freed", () => server.server.engine.watcherCount === 4, 5000);
    const again = openRawWatch(port, "connect+proto", { localAddress: "127.0.0.5" });
    raw.push(again);
    await waitUntil("the new stream open", () => server.server.engine.watcherCount === 5, 5000);
  });

  it.each(["http", "grpc"] as const)("the %s port holds at most maxConnections connections; one more is closed at once", async (listener) => {
    ts = await startTestServer({ limits: { maxConnections: 3 } });
    const port = listener === "http" ? ts.server.httpPort : ts.server.grpcPort;
    const sockets = await Promise.all([0, 1, 2].map(() => openSocket(port)));
    try {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the server has accepted them
      const extra = await openSocket(port);
      const closed = await closedWithin(extra, 5000);
      expect(closed, "the connection over the cap").toBe(true);
      for (const socket of sockets) expect(socket.destroyed, "the connections within the cap").toBe(false);
      sockets[0]?.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      // A place is free again: a real client gets served.
      const client = ts.client(listener === "http" ? "connect" : "grpc");
      expect((await client.listFeatures({})).features).toEqual([]);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it("gRPC port: a connection that says nothing is closed within 10 s, though the idle timeout is minutes", { timeout: 20_000 }, async () => {
    ts = await startTestServer({ limits: { requestTimeoutMs: 1000 } }); // idleConnectionTimeoutMs stays 5 minutes
    const port = ts.server.grpcPort;
    const silent = await openSocket(port);
    const partial = await openSocket(port);
    partial.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"); // the preface, and then no SETTINGS
    expect(await closedWithin(silent, 8000), "silent").toBe(true);
    expect(await closedWithin(partial, 8000), "preface only").toBe(true);
    // A client that speaks HTTP/2 keeps its connection past that time.
    const session = connectHttp2(ts.grpcUrl);
    session.on("error", () => undefined);
    try {
      await new Promise((resolve) => session.once("remoteSettings", resolve));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(session.closed || session.destroyed).toBe(false);
    } finally {
      session.close();
    }
  });

  it("gRPC port: a client whose SETTINGS arrived while the server was too busy to read them keeps its connection", { timeout: 20_000 }, async () => {
    ts = await startTestServer({ limits: { requestTimeoutMs: 300 } }); // so the handshake limit is 300 ms too
    const socket = await openSocket(ts.server.grpcPort);
    await new Promise((resolve) => setTimeout(resolve, 50)); // accepted: the server's clock for SETTINGS runs
    // The preface and an empty SETTINGS frame, then a loop that is busy past the limit (the server runs on it too).
    socket.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    const busyUntil = Date.now() + 600;
    while (Date.now() < busyUntil) continue;
    expect(await closedWithin(socket, 1500)).toBe(false);
    socket.destroy();
  });

  it("gRPC port: a unary call whose request never ends gets DEADLINE_EXCEEDED, and the connection serves on", { timeout: 20_000 }, async () => {
    ts = await startTestServer({ limits: { requestTimeoutMs: 1000 } }); // maxConnectionAgeMs stays an hour
    const before = await dumpState(ts.client("grpc"));
    const session = connectHttp2(ts.grpcUrl);
    session.on("error", () => undefined);
    try {
      const outcomes = [0, 1, 2].map(() => {
        const stream = session.request({ ":method": "POST", ":path": `/${SERVICE}/CreateFeature`, "content-type": "application/grpc", te: "trailers" });
        stream.on("error", () => undefined);
        stream.on("data", () => undefined);
        stream.write(envelope(Buffer.alloc(100)).subarray(0, 20)); // 20 of 105 bytes, and never the rest
        return new Promise<{ status?: string; message?: string; closed: boolean }>((resolve) => {
          let fields: { status?: string; message?: string } = {};
          const take = (headers: Record<string, unknown>) => {
            if (headers["grpc-status"] !== undefined) fields = { status: String(headers["grpc-status"]), message: decodeURIComponent(String(headers["grpc-message"])) };
          };
          stream.on("response", take);
          stream.on("trailers", take);
          stream.on("close", () => resolve({ ...fields, closed: true }));
          setTimeout(() => resolve({ ...fields, closed: false }), 8000);
        });
      });
      for (const outcome of await Promise.all(outcomes)) {
        expect(outcome).toEqual({
          status: "4", // DEADLINE_EXCEEDED
          message: expect.stringMatching(/^the request did not arrive whole within 1000 ms: send the whole message/),
          closed: true,
        });
      }
      expect(session.closed || session.destroyed).toBe(false);
      const rawGrpc = connectRawGrpc(ts.grpcUrl);
      expect(await rawGrpc.post("ListFeatures", envelope(new Uint8Array(0)))).toMatchObject({ code: "ok" });
      rawGrpc.close();
      expect(await dumpState(ts.client("grpc"))).toEqual(before);
    } finally {
      session.close();
    }
  });
});

/** A raw TCP connection, once connected. */
function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
    socket.on("data", () => undefined);
  });
}

/** Whether the server closes `socket` within `ms` (without failing the test by a timeout). */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed || socket.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    socket.once("close", done);
    socket.once("end", done);
  });
}
