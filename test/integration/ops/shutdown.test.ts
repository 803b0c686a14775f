import { connect } from "node:net";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Code, ConnectError } from "@connectrpc/connect";
import { startTestServer, type TestServer } from "../../support/test-server.js";

/**
 * Graceful shutdown as clients see it: health turns NOT_SERVING first, change streams end with
 * UNAVAILABLE and a message telling how to reconnect, calls already in flight complete, and the ports
 * stop accepting connections, all within a few seconds.
 */

const LOADER_OPTIONS: protoLoader.Options = { includeDirs: ["proto"], longs: String, enums: String, defaults: true, oneofs: true };
const CLOSE_BUDGET_MS = 3_000; // the test server's grace is 1 s
let ts: TestServer | undefined;
const grpcClients: grpc.Client[] = [];

afterEach(async () => {
  for (const client of grpcClients.splice(0)) client.close();
  await ts?.close();
  ts = undefined;
});

function grpcClient(file: string, path: readonly string[]): grpc.Client {
  let node: grpc.GrpcObject | grpc.ServiceClientConstructor = grpc.loadPackageDefinition(protoLoader.loadSync(file, LOADER_OPTIONS));
  for (const name of path) node = (node as grpc.GrpcObject)[name] as grpc.GrpcObject | grpc.ServiceClientConstructor;
  const client = new (node as grpc.ServiceClientConstructor)(`127.0.0.1:${ts?.server.grpcPort}`, grpc.credentials.createInsecure());
  grpcClients.push(client);
  return client;
}

type StreamMethod = (request: object) => grpc.ClientReadableStream<unknown>;
type UnaryMethod = (request: object, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, res?: unknown) => void) => void;

/** Opens a grpc-js server stream and records every message and how it ended. */
function recordGrpcStream<T>(client: grpc.Client, method: string, request: object) {
  const stream = (client as unknown as Record<string, StreamMethod>)[method]!.call(client, request) as grpc.ClientReadableStream<T>;
  const events: ({ data: T } | { end: grpc.StatusObject })[] = [];
  const ended = new Promise<grpc.StatusObject>((resolve) =>
    stream.on("status", (status: grpc.StatusObject) => {
      events.push({ end: status });
      resolve(status);
    }),
  );
  stream.on("data", (data: T) => events.push({ data }));
  stream.on("error", () => undefined); // reported through "status"
  return { stream, events, ended };
}

function grpcUnary<T>(client: grpc.Client, method: string, request: object): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    (client as unknown as Record<string, UnaryMethod>)[method]!.call(client, request, { deadline: Date.now() + CLOSE_BUDGET_MS }, (err, res) =>
      err ? reject(err) : resolve(res as T),
    ),
  );
}

/** Reads a Connect-client stream to its end; resolves with the error it ended with (undefined for OK). */
async function drainConnectStream(stream: AsyncIterable<unknown>, received: unknown[]): Promise<ConnectError | undefined> {
  try {
    for await (const message of stream) received.push(message);
    return undefined;
  } catch (err) {
    return ConnectError.from(err);
  }
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves with the error code of a TCP connection attempt, or "connected". */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const FLAGS = ["flagwire/v1/flags.proto", ["flagwire", "v1", "FeatureFlagService"]] as const;
const HEALTH = ["grpc/health/v1/health.proto", ["grpc", "health", "v1", "Health"]] as const;

/** Closes the server, checking that close() resolves within the budget. */
async function closeInTime(server: TestServer["server"]): Promise<void> {
  const started = Date.now();
  await withTimeout(server.close(), CLOSE_BUDGET_MS, "close() resolving");
  expect(Date.now() - started).toBeLessThan(CLOSE_BUDGET_MS);
}

describe("server.close()", () => {
  it("ends every change stream with UNAVAILABLE and a hint to reconnect, within a few seconds", async () => {
    ts = await startTestServer();
    const flags = grpcClient(...FLAGS);
    const rawWatch = recordGrpcStream<{ change: { revision: string } }>(flags, "watchChanges", {});
    const connectGrpcReceived: unknown[] = [];
    const connectGrpcWatch = drainConnectStream(ts.client("grpc").watchChanges({}), connectGrpcReceived);
    const connectHttpReceived: unknown[] = [];
    const connectHttpWatch = drainConnectStream(ts.client("connect").watchChanges({ sinceRevision: 0n }), connectHttpReceived);
    await waitFor("three change watchers", () => ts?.server.engine.watcherCount === 3);
    await ts.client("grpc", "shutdown-test").createFeature({ name: "before-close" });
    // Each stream first says it is current (a heartbeat), then carries the change.
    await waitFor("the change on every stream", () => rawWatch.events.length === 2 && connectGrpcReceived.length === 2 && connectHttpReceived.length === 2);

    await closeInTime(ts.server);

    const reconnectHint = /reconnect/i;
    const rawEnd = await withTimeout(rawWatch.ended, 1_000, "the grpc-js change stream ending");
    expect({ code: rawEnd.code, details: rawEnd.details }).toEqual({ code: grpc.status.UNAVAILABLE, details: expect.stringMatching(reconnectHint) });
    for (const [name, ending] of [
      ["connect gRPC", connectGrpcWatch],
      ["connect HTTP", connectHttpWatch],
    ] as const) {
      const err = await withTimeout(ending, 1_000, `the ${name} change stream ending`);
      expect({ stream: name, code: err?.code, message: err?.rawMessage }).toEqual({
        stream: name,
        code: Code.Unavailable,
        message: expect.stringMatching(reconnectHint),
      });
    }
    expect(ts.server.engine.watcherCount).toBe(0);
  });

  it.each(["", "flagwire.v1.FeatureFlagService"])("sends NOT_SERVING to a health Watch of %j before the stream ends", async (service) => {
    ts = await startTestServer();
    const watch = recordGrpcStream<{ status: string }>(grpcClient(...HEALTH), "watch", { service });
    await waitFor("the health watcher to report SERVING", () => watch.events.length === 1);

    await closeInTime(ts.server);

    const end = await withTimeout(watch.ended, 1_000, "the health Watch stream ending");
    const statuses = watch.events.map((e) => ("data" in e ? e.data.status : `end ${grpc.status[end.code]}`));
    expect(statuses.slice(0, 2)).toEqual(["SERVING", "NOT_SERVING"]);
  });

  it("ends a stream that is still replaying a long log with UNAVAILABLE, not as if it were complete", async () => {
    ts = await startTestServer();
    // More changes than one replay batch (500), so the stream is mid-replay when the server stops.
    const engine = ts.server.engine;
    await Promise.all(Array.from({ length: 1200 }, (_, i) => engine.submit({ kind: "customer.created", customerId: `c${i}` }, null)));
    const flags = grpcClient(...FLAGS);
    const replay = recordGrpcStream<{ change: { revision: string } }>(flags, "watchChanges", { sinceRevision: "0" });
    await waitFor("the first replayed change", () => replay.events.length > 0);
    replay.stream.pause(); // a slow reader: the server's writes back up
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = closeInTime(ts.server);
    replay.stream.resume();
    const status = await withTimeout(replay.ended, CLOSE_BUDGET_MS, "the replaying stream ending");
    await closing;
    const received = replay.events.filter((e) => "data" in e).length;
    expect(received).toBeLessThan(1200);
    expect(status.code).toBe(grpc.status.UNAVAILABLE);
    expect(status.details).toMatch(/reconnect/);
  });

  it("with a shutdown delay, answers NOT_SERVING to health checks while still serving, then stops", async () => {
    ts = await startTestServer({ shutdownDelayMs: 400 });
    const health = grpcClient(...HEALTH);
    const flags = grpcClient(...FLAGS);
    expect(await grpcUnary<{ status: string }>(health, "check", { service: "" })).toEqual({ status: "SERVING" });
    const closing = ts.server.close();
    expect(await grpcUnary<{ status: string }>(health, "check", { service: "" })).toEqual({ status: "NOT_SERVING" });
    // Still accepting during the delay: a load balancer has time to move traffic away.
    await grpcUnary(flags, "createFeature", { name: "during-the-delay" });
    await withTimeout(closing, CLOSE_BUDGET_MS, "close() after the delay");
    expect(await tryConnect(ts.server.grpcPort)).toBe("ECONNREFUSED");
  });

  it("refuses new connections on both ports once closed", async () => {
    ts = await startTestServer();
    const { grpcPort, httpPort } = ts.server;
    await grpcUnary(grpcClient(...FLAGS), "listFeatures", {}); // an open connection must not keep the port alive
    await closeInTime(ts.server);
    expect(await tryConnect(grpcPort)).toBe("ECONNREFUSED");
    expect(await tryConnect(httpPort)).toBe("ECONNREFUSED");
  });

  it("completes unary calls the server has already received", async () => {
    ts = await startTestServer();
    const flags = grpcClient(...FLAGS);
    const connectClient = ts.client("grpc");
    // Warm both connections up, so the calls below travel on open HTTP/2 sessions.
    await grpcUnary(flags, "listFeatures", {});
    await connectClient.listFeatures({});

    const grpcJsCall = grpcUnary<{ revision: string }>(flags, "createFeature", { name: "in-flight-1" });
    const connectCall = connectClient.createFeature({ name: "in-flight-2" });
    await waitFor("the server to receive both calls", () => ts?.server.engine.revision === 2);
    const closing = closeInTime(ts.server);

    const results = await Promise.allSettled([grpcJsCall, connectCall]);
    expect(results.map((r) => (r.status === "fulfilled" ? "ok" : String(r.reason)))).toEqual(["ok", "ok"]);
    await closing;
  });

  it("answers a unary call fired in the same tick as close(), or refuses it unprocessed with UNAVAILABLE", async () => {
    ts = await startTestServer();
    const flags = grpcClient(...FLAGS);
    await grpcUnary(flags, "listFeatures", {});
    const call = grpcUnary(flags, "createFeature", { name: "same-tick" });
    const closing = closeInTime(ts.server);
    // Best effort: whether the request reaches the server before it stops accepting is a race. Either way
    // the client must be able to tell: OK means committed, UNAVAILABLE means not processed (safe to retry).
    const outcome = await call.then(
      () => "OK",
      (err: grpc.ServiceError) => grpc.status[err.code],
    );
    await closing;
    const db = new Database(ts.dbPath, { readonly: true, fileMustExist: true });
    const committed = db.prepare("SELECT count(*) FROM features WHERE name = 'same-tick'").pluck().get() === 1;
    db.close();
    expect({ outcome, committed }).toEqual(committed ? { outcome: "OK", committed } : { outcome: "UNAVAILABLE", committed });
  });
});
