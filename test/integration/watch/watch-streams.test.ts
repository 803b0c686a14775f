import { spawn } from "node:child_process";
import { Code, ConnectError } from "@connectrpc/connect";
import http2 from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import {
  ChangeKind,
  EvaluationReason,
  WatchChangesResponseSchema,
  type WatchChangesResponse,
  type WatchEvaluationResponse,
} from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { snapshotChunkFromProto } from "../../../src/client/from-proto.js";
import type { ChangeData, ChangeRequest } from "../../../src/domain/change.js";
import { FlagState } from "../../../src/domain/flag-state.js";
import { applySnapshotChunk } from "../../../src/domain/snapshot.js";
import { SERVICE, envelope, envelopes } from "../../support/raw-http.js";
import { readStream } from "../../support/stream-reader.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

/**
 * WatchChanges beyond plain replay: heartbeats, snapshots, the feature filter, retention, slow readers
 * and writers in other processes; and WatchEvaluation, which speaks only when a value changes.
 */

let ts: TestServer | undefined;
afterEach(async () => {
  await ts?.close();
  ts = undefined;
});

const isHeartbeat = (message: WatchChangesResponse) => message.heartbeat !== undefined;
const summary = (message: WatchChangesResponse) =>
  message.change
    ? [Number(message.change.revision), ChangeKind[message.change.kind], message.change.feature || message.change.target?.kind.value]
    : message.heartbeat
      ? ["heartbeat", Number(message.heartbeat.revision)]
      : ["snapshot", message.snapshot?.index];

async function waitUntil(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function server(): TestServer {
  if (!ts) throw new Error("no server");
  return ts;
}

async function mutate(data: ChangeRequest): Promise<number> {
  return (await server().server.engine.submit(data, null)).revision;
}

describe("WatchChanges heartbeats", () => {
  it("says when the stream is current, then keeps saying so while nothing happens", async () => {
    ts = await startTestServer({ heartbeatIntervalMs: 100 });
    const revision = await mutate({ kind: "feature.created", feature: "a", enabled: false, description: "", salt: "s" });
    const abort = new AbortController();
    const stream = readStream(ts.client("grpc").watchChanges({ sinceRevision: 0n }, { signal: abort.signal }));
    // The replay, then "current at revision 1", then periodic heartbeats at the same revision.
    expect((await stream.until(isHeartbeat)).map(summary)).toEqual([
      [1, "FEATURE_CREATED", "a"],
      ["heartbeat", 1],
    ]);
    const quiet = await stream.until(isHeartbeat, 2_000);
    expect(quiet.map(summary)).toEqual([["heartbeat", revision]]);
    // A change, then heartbeats carry the new revision.
    const next = await mutate({ kind: "feature.enabled_set", feature: "a", enabled: true });
    const after = await stream.until((m) => isHeartbeat(m) && Number(m.heartbeat?.revision) === next, 2_000);
    expect(after.filter((m) => !isHeartbeat(m)).map(summary)).toEqual([[next, "FEATURE_ENABLED_SET", "a"]]);
    abort.abort();
  });

  it("sends the first heartbeat at once to a watcher that starts from now", async () => {
    ts = await startTestServer();
    await mutate({ kind: "customer.created", customerId: "c1" });
    const abort = new AbortController();
    const stream = readStream(ts.client("connect").watchChanges({}, { signal: abort.signal }));
    expect(summary(await stream.next(2_000))).toEqual(["heartbeat", 1]);
    abort.abort();
  });
});

describe("WatchChanges snapshots", () => {
  /** A state large enough for several chunks: 3 features, 1,500 customers, 600 users, 700 overrides. */
  function seed(): ChangeData[] {
    const changes: ChangeData[] = [];
    for (const name of ["alpha", "beta", "gamma"]) changes.push({ kind: "feature.created", feature: name, enabled: name === "beta", description: `${name} flag`, salt: "s" });
    for (let i = 0; i < 1_500; i++) changes.push({ kind: "customer.created", customerId: `c${i}` });
    for (let i = 0; i < 600; i++) changes.push({ kind: "user.created", userId: `u${i}`, customerId: i % 3 === 0 ? null : `c${i}` });
    for (let i = 0; i < 400; i++) changes.push({ kind: "override.set", feature: "alpha", target: { kind: "customer", id: `c${i}` }, enabled: i % 2 === 0 });
    for (let i = 0; i < 300; i++) changes.push({ kind: "override.set", feature: i % 2 ? "beta" : "gamma", target: { kind: "user", id: `u${i}` }, enabled: true });
    return changes;
  }

  /** The parts of a state a snapshot must reproduce. */
  function essence(state: FlagState) {
    return {
      revision: state.revision,
      features: [...state.features.values()]
        .map((f) => ({ name: f.name, enabled: f.enabled, description: f.description, customers: [...f.customerOverrides].sort(), users: [...f.userOverrides].sort() }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      customers: [...state.customers.keys()].sort(),
      users: [...state.users.values()].map((u) => [u.id, u.customerId]).sort(),
      sortedFeatures: state.featureNames.all.length,
    };
  }

  async function readSnapshot(stream: ReturnType<typeof readStream<WatchChangesResponse>>): Promise<{ state: FlagState; chunks: number }> {
    const state = new FlagState();
    let chunks = 0;
    for (;;) {
      const message = await stream.next();
      const chunk = message.snapshot;
      if (!chunk) throw new Error(`expected a snapshot chunk, got ${JSON.stringify(summary(message))}`);
      expect(chunk.index).toBe(chunks++);
      applySnapshotChunk(state, snapshotChunkFromProto(chunk));
      if (chunk.last) return { state, chunks };
    }
  }

  it("sends the whole state at one revision in ordered chunks, then the changes after it", async () => {
    ts = await startTestServer({}, seed());
    const abort = new AbortController();
    const stream = readStream(ts.client("grpc").watchChanges({ includeSnapshot: true }, { signal: abort.signal }));
    const { state, chunks } = await readSnapshot(stream);
    expect(chunks).toBe(3); // 2,803 entries, 1,000 per chunk
    expect(essence(state)).toEqual(essence(ts.server.engine.state));
    expect(summary(await stream.next())).toEqual(["heartbeat", ts.server.engine.revision]);
    const next = await mutate({ kind: "override.cleared", feature: "alpha", target: { kind: "customer", id: "c0" } });
    expect(summary(await stream.next())).toEqual([next, "OVERRIDE_CLEARED", "alpha"]);
    abort.abort();
  });

  it("stays exact while writes land during the snapshot", async () => {
    ts = await startTestServer({ heartbeatIntervalMs: 60_000 }, seed());
    const abort = new AbortController();
    const flags = ts.client("grpc-web");
    const stream = readStream(flags.watchChanges({ includeSnapshot: true }, { signal: abort.signal }));
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) writes.push(flags.setOverride({ feature: "gamma", target: { kind: { case: "customerId", value: `c${i}` } }, enabled: true }));
    const { state } = await readSnapshot(stream);
    await Promise.all(writes);
    // Apply what follows the snapshot as a client would; it must end equal to the server's state.
    const { changeFromProto } = await import("../../../src/client/from-proto.js");
    while (state.revision < ts.server.engine.revision) {
      const message = await stream.next();
      if (message.change) state.apply(changeFromProto(message.change));
    }
    expect(essence(state)).toEqual(essence(ts.server.engine.state));
    abort.abort();
  });

  it("with a feature filter, carries only those features (and every customer and user)", async () => {
    ts = await startTestServer({}, seed());
    const abort = new AbortController();
    const stream = readStream(ts.client("connect").watchChanges({ includeSnapshot: true, features: ["beta", "nope"] }, { signal: abort.signal }));
    const { state } = await readSnapshot(stream);
    expect([...state.features.keys()]).toEqual(["beta"]);
    expect(state.customers.size).toBe(1_500);
    expect(state.users.size).toBe(600);
    expect(state.features.get("beta")?.userOverrides.size).toBe(150);
    abort.abort();
  });
});

describe("WatchChanges feature filter", () => {
  it("follows the named features through renames and passes customer and user changes", async () => {
    ts = await startTestServer();
    const abort = new AbortController();
    const stream = readStream(ts.client("grpc").watchChanges({ sinceRevision: 0n, features: ["checkout"] }, { signal: abort.signal }));
    expect(summary(await stream.next())).toEqual(["heartbeat", 0]);
    await mutate({ kind: "feature.created", feature: "checkout", enabled: false, description: "", salt: "s" }); // 1 in
    await mutate({ kind: "feature.created", feature: "search", enabled: false, description: "", salt: "s" }); // 2 out
    await mutate({ kind: "customer.created", customerId: "c1" }); // 3 in
    await mutate({ kind: "override.set", feature: "search", target: { kind: "customer", id: "c1" }, enabled: true }); // 4 out
    await mutate({ kind: "feature.renamed", feature: "checkout", newName: "checkout-v2" }); // 5 in
    await mutate({ kind: "override.set", feature: "checkout-v2", target: { kind: "customer", id: "c1" }, enabled: true }); // 6 in
    // The watcher follows the feature, not the name: the name it left behind now means another feature.
    await mutate({ kind: "feature.renamed", feature: "search", newName: "checkout" }); // 7 out
    await mutate({ kind: "feature.enabled_set", feature: "checkout", enabled: true }); // 8 out
    await mutate({ kind: "user.created", userId: "u1", customerId: "c1" }); // 9 in
    const last = await mutate({ kind: "feature.deleted", feature: "checkout-v2" }); // 10 in
    const received = [];
    while (received.length < 6) received.push(summary(await stream.next()));
    expect(received).toEqual([
      [1, "FEATURE_CREATED", "checkout"],
      [3, "CUSTOMER_CREATED", "c1"],
      [5, "FEATURE_RENAMED", "checkout"],
      [6, "OVERRIDE_SET", "checkout-v2"],
      [9, "USER_CREATED", "u1"],
      [last, "FEATURE_DELETED", "checkout-v2"],
    ]);
    // A replay applies the same rule as the live stream.
    const replay = readStream(ts.client("grpc").watchChanges({ sinceRevision: 0n, features: ["checkout"] }, { signal: abort.signal }));
    const replayed = (await replay.until(isHeartbeat)).filter((m) => !isHeartbeat(m)).map(summary);
    expect(replayed).toEqual(received);
    abort.abort();
  });

  it("refuses malformed names and oversized filters", async () => {
    ts = await startTestServer();
    const flags = ts.client("grpc");
    const first = async (request: Parameters<FlagClient["watchChanges"]>[0]) => {
      for await (const message of flags.watchChanges(request)) return message;
      return undefined;
    };
    await expect(first({ features: ["bad name"] })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: expect.stringContaining('feature in the filter "bad name" is invalid'),
    });
    await expect(first({ features: Array.from({ length: 1_001 }, (_, i) => `f${i}`) })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "1001 features in the filter: name at most 1000",
    });
    await expect(first({ sinceRevision: 5n })).rejects.toMatchObject({ code: Code.FailedPrecondition });
  });
});

describe("change-log retention", () => {
  it("prunes at start, tells ListChanges readers what is missing, and resumes pruned watchers with a snapshot", async () => {
    ts = await startTestServer({ retention: { revisions: 5 } });
    for (let i = 1; i <= 20; i++) await mutate({ kind: "customer.created", customerId: `c${i}` });
    await ts.restart(); // retention prunes at start (and every minute)
    const flags = ts.client("grpc");
    const listed = await flags.listChanges({ sinceRevision: 0n });
    expect(listed.changes.map((c) => Number(c.revision))).toEqual([16, 17, 18, 19, 20]);
    expect(listed.prunedThroughRevision).toBe(15n);
    expect((await flags.listChanges({ sinceRevision: 15n })).prunedThroughRevision).toBe(0n);

    const abort = new AbortController();
    // Just inside the log: a plain replay.
    const inside = readStream(flags.watchChanges({ sinceRevision: 15n }, { signal: abort.signal }));
    expect((await inside.until(isHeartbeat)).map(summary)).toEqual([
      [16, "CUSTOMER_CREATED", "c16"],
      [17, "CUSTOMER_CREATED", "c17"],
      [18, "CUSTOMER_CREATED", "c18"],
      [19, "CUSTOMER_CREATED", "c19"],
      [20, "CUSTOMER_CREATED", "c20"],
      ["heartbeat", 20],
    ]);
    // Beyond it: the whole state, then the rest, never an error and never a silent gap.
    const pruned = readStream(flags.watchChanges({ sinceRevision: 14n }, { signal: abort.signal }));
    const first = await pruned.next();
    expect(first.snapshot).toMatchObject({ revision: 20n, index: 0, last: true });
    expect(first.snapshot?.customerIds).toHaveLength(20);
    expect(summary(await pruned.next())).toEqual(["heartbeat", 20]);
    const next = await mutate({ kind: "customer.created", customerId: "c21" });
    expect(summary(await pruned.next())).toEqual([next, "CUSTOMER_CREATED", "c21"]);
    abort.abort();
  });

  it("keeps everything by default", async () => {
    ts = await startTestServer();
    for (let i = 1; i <= 20; i++) await mutate({ kind: "customer.created", customerId: `c${i}` });
    await ts.restart();
    const listed = await ts.client("grpc").listChanges({ sinceRevision: 0n });
    expect(listed.changes).toHaveLength(20);
    expect(listed.prunedThroughRevision).toBe(0n);
  });
});

describe("a watcher that stops reading", () => {
  /**
   * A raw HTTP/2 gRPC call with a small flow-control window: once the client stops reading, the
   * server's writes really back up (grpc-js's client would keep buffering in memory).
   */
  function stalledWatch(port: number) {
    const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 4_096 } });
    const stream = session.request({
      ":method": "POST",
      ":path": `/${SERVICE}/WatchChanges`,
      "content-type": "application/grpc",
      te: "trailers",
    });
    stream.end(envelope(new Uint8Array(0)));
    const chunks: Buffer[] = [];
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on("trailers", resolve));
    return {
      pause: () => stream.pause(),
      /** Reads everything that was sent, then the status. */
      async drain() {
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.resume();
        const status = await trailers;
        const revisions = envelopes(Buffer.concat(chunks))
          .map((e) => fromBinary(WatchChangesResponseSchema, e.data).change?.revision)
          .filter((r) => r !== undefined)
          .map(Number);
        return { status: Number(status["grpc-status"]), message: decodeURIComponent(String(status["grpc-message"])), revisions };
      },
      close: () => session.close(),
    };
  }

  it("is cut off with RESOURCE_EXHAUSTED naming where to resume, while writers and readers go on", async () => {
    ts = await startTestServer({ watchQueueLimit: 20, heartbeatIntervalMs: 60_000 });
    await mutate({ kind: "feature.created", feature: "f", enabled: false, description: "", salt: "s" });
    for (let i = 0; i < 10; i++) await mutate({ kind: "customer.created", customerId: `c${i}` });
    const stalled = stalledWatch(ts.server.grpcPort);
    try {
      stalled.pause();
      const reading = readStream(ts.client("grpc").watchChanges({}));
      await reading.next(); // the reading watcher is current
      await waitUntil(() => ts?.server.engine.watcherCount === 2);

      // Writes through a real client, each acknowledged, while the stalled reader's buffers fill up.
      const writer = ts.client("grpc");
      let writes = 0;
      while (ts.server.engine.watcherCount === 2) {
        if (writes >= 5_000) throw new Error("the stalled watcher was never cut off");
        await writer.setOverride({ feature: "f", target: { kind: { case: "customerId", value: `c${writes % 10}` } }, enabled: Math.floor(writes / 10) % 2 === 0 }); // every write changes something
        writes++;
      }
      expect(ts.server.engine.watcherCount).toBe(1); // the reading watcher stays
      // The reading watcher saw every write.
      const seen = await reading.until((m) => Number(m.change?.revision) === ts?.server.engine.revision, 10_000);
      expect(seen.filter((m) => m.change)).toHaveLength(writes);

      const { status, message, revisions } = await stalled.drain();
      expect(status).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(message).toMatch(/^watcher fell 20 messages behind and was disconnected: reconnect with since_revision=\d+$/);
      // It names exactly the last change the reader got: resuming there misses nothing.
      const resumeFrom = Number(/since_revision=(\d+)/.exec(message)?.[1]);
      expect(resumeFrom).toBe(revisions.at(-1));
      const resumed = readStream(ts.client("grpc").watchChanges({ sinceRevision: BigInt(resumeFrom) }));
      const rest = (await resumed.until(isHeartbeat, 10_000)).filter((m) => m.change).map((m) => Number(m.change?.revision));
      expect([...revisions, ...rest]).toEqual(Array.from({ length: ts.server.engine.revision - 11 }, (_, i) => i + 12));
    } finally {
      stalled.close();
    }
  }, 60_000);
});

describe("writers in another process", () => {
  it("reach this server's snapshot and watchers by tailing the change log", async () => {
    ts = await startTestServer();
    await mutate({ kind: "feature.created", feature: "shared", enabled: false, description: "", salt: "s" });
    const abort = new AbortController();
    const stream = readStream(ts.client("grpc").watchChanges({}, { signal: abort.signal }));
    await stream.next(); // current
    // Another process writes through its own engine on the same file.
    const script = `
      import { openStore } from "./dist/src/store/open-store.js";
      import { createFlagEngine } from "./dist/src/engine/flag-engine.js";
      const store = await openStore(process.argv[1]);
      const engine = await createFlagEngine({ store: store.flags });
      await engine.submit({ kind: "feature.enabled_set", feature: "shared", enabled: true }, "other-process");
      await engine.close();
      await store.close();
      process.stdout.write(String(Date.now()));
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, ts.dbPath], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const message = await stream.next(5_000);
    const deliveredAt = Date.now();
    expect(await exited).toBe(0);
    expect(message.change).toMatchObject({ revision: 2n, kind: ChangeKind.FEATURE_ENABLED_SET, feature: "shared", enabled: true, actor: "other-process" });
    expect(ts.server.engine.evaluate("shared", {}).enabled).toBe(true);
    // Recorded, not asserted: the bench owns timing. The poll interval is 50 ms.
    console.info(`other-process change delivered ${deliveredAt - Number(output)} ms after its commit`);
    abort.abort();
  });
});

describe("WatchEvaluation", () => {
  const valueOf = (message: WatchEvaluationResponse) =>
    message.evaluations.map((e) => [e.feature, e.deleted ? "deleted" : e.enabled ? "on" : "off", EvaluationReason[e.reason], ...(e.segment ? [e.segment] : [])]);

  /**
   * Each step makes one write and lists what the watcher must receive for it: nothing at all when the
   * effective values stay as they were.
   */
  const STEPS: [string, ChangeRequest, unknown[]][] = [
    ["global on", { kind: "feature.enabled_set", feature: "f", enabled: true }, [["f", "on", "DEFAULT"]]],
    ["rename", { kind: "feature.renamed", feature: "f", newName: "f2" }, []],
    ["override on someone else", { kind: "override.set", feature: "f2", target: { kind: "customer", id: "c2" }, enabled: false }, []],
    ["user of someone else", { kind: "override.set", feature: "g", target: { kind: "user", id: "u2" }, enabled: false }, []],
    ["customer override", { kind: "override.set", feature: "f2", target: { kind: "customer", id: "c1" }, enabled: false }, [["f", "off", "CUSTOMER_OVERRIDE"]]],
    ["global hidden by the override", { kind: "feature.enabled_set", feature: "f2", enabled: false }, []],
    ["user override", { kind: "override.set", feature: "f2", target: { kind: "user", id: "u1" }, enabled: true }, [["f", "on", "USER_OVERRIDE"]]],
    ["customer override under the user's", { kind: "override.cleared", feature: "f2", target: { kind: "customer", id: "c1" } }, []],
    ["same user override again", { kind: "override.set", feature: "f2", target: { kind: "user", id: "u1" }, enabled: true }, []],
    ["rollout hidden by the user override", { kind: "rollout.set", feature: "f2", rollout: { basisPoints: 10_000, stickiness: "user" } }, []],
    ["segment rule, context outside it", { kind: "segment_rule.set", feature: "g", segment: "beta", enabled: false }, []],
    ["someone else joins", { kind: "segment.members_added", segment: "beta", customerIds: ["c2"], userIds: [] }, []],
    ["the customer joins", { kind: "segment.members_added", segment: "beta", customerIds: ["c1"], userIds: [] }, [["g", "off", "SEGMENT", "beta"]]],
    ["the deciding segment is renamed", { kind: "segment.renamed", segment: "beta", newName: "beta2" }, [["g", "off", "SEGMENT", "beta2"]]],
    ["the customer leaves", { kind: "segment.members_removed", segment: "beta2", customerIds: ["c1"], userIds: [] }, [["g", "on", "DEFAULT"]]],
    ["rollout on a watched feature", { kind: "rollout.set", feature: "g", rollout: { basisPoints: 0, stickiness: "customer" } }, []],
    ["other feature's global", { kind: "feature.enabled_set", feature: "g", enabled: false }, [["g", "off", "DEFAULT"]]],
    ["unwatched feature", { kind: "feature.created", feature: "h", enabled: true, description: "", salt: "s" }, []],
    // The 100% by-user rollout on f2 shows once the user override is gone.
    ["user deleted: its overrides go", { kind: "user.deleted", userId: "u1" }, [["f", "on", "ROLLOUT"]]],
    ["feature deleted", { kind: "feature.deleted", feature: "g" }, [["g", "deleted", "UNSPECIFIED"]]],
    ["deleted feature's name reused", { kind: "feature.created", feature: "g", enabled: true, description: "", salt: "s" }, []],
  ];

  it("sends every value first, then exactly the values each change alters", async () => {
    ts = await startTestServer({ heartbeatIntervalMs: 25 });
    await mutate({ kind: "feature.created", feature: "f", enabled: false, description: "", salt: "s" });
    await mutate({ kind: "feature.created", feature: "g", enabled: true, description: "", salt: "s" });
    for (const id of ["c1", "c2"]) await mutate({ kind: "customer.created", customerId: id });
    for (const id of ["u1", "u2"]) await mutate({ kind: "user.created", userId: id, customerId: "c1" });
    await mutate({ kind: "segment.created", segment: "beta" });
    const abort = new AbortController();
    const stream = readStream(ts.client("grpc").watchEvaluation({ features: ["f", "g"], customerId: "c1", userId: "u1" }, { signal: abort.signal }));
    const first = await stream.next();
    expect({ revision: first.revision, values: valueOf(first) }).toEqual({
      revision: BigInt(ts.server.engine.revision),
      values: [
        ["f", "off", "DEFAULT"],
        ["g", "on", "DEFAULT"],
      ],
    });
    const received: unknown[] = [];
    for (const [step, write, expected] of STEPS) {
      const revision = await mutate(write);
      // A heartbeat at or past the write's revision proves nothing else is coming for it.
      const messages = await stream.until((m) => m.heartbeat !== undefined && Number(m.heartbeat.revision) >= revision);
      const updates = messages.filter((m) => m.heartbeat === undefined);
      received.push([step, ...updates.map(valueOf).flat()]);
      for (const update of updates) expect(update.revision).toBe(BigInt(revision));
      expect(received.at(-1)).toEqual([step, ...expected]);
    }
    abort.abort();
  });

  it("follows the user's own customer when no customer is given", async () => {
    ts = await startTestServer({ heartbeatIntervalMs: 25 });
    await mutate({ kind: "feature.created", feature: "f", enabled: false, description: "", salt: "s" });
    await mutate({ kind: "customer.created", customerId: "c1" });
    const abort = new AbortController();
    const stream = readStream(ts.client("connect").watchEvaluation({ features: ["f"], userId: "u-later" }, { signal: abort.signal }));
    expect(valueOf(await stream.next())).toEqual([["f", "off", "DEFAULT"]]);
    await mutate({ kind: "override.set", feature: "f", target: { kind: "customer", id: "c1" }, enabled: true });
    const created = await mutate({ kind: "user.created", userId: "u-later", customerId: "c1" });
    const messages = await stream.until((m) => m.heartbeat !== undefined && Number(m.heartbeat.revision) >= created);
    expect(messages.filter((m) => !m.heartbeat).map(valueOf)).toEqual([[["f", "on", "CUSTOMER_OVERRIDE"]]]);
    const deleted = await mutate({ kind: "customer.deleted", customerId: "c1" });
    const after = await stream.until((m) => m.heartbeat !== undefined && Number(m.heartbeat.revision) >= deleted);
    expect(after.filter((m) => !m.heartbeat).map(valueOf)).toEqual([[["f", "off", "DEFAULT"]]]);
    abort.abort();
  });

  it("refuses what it cannot follow, naming the problem", async () => {
    ts = await startTestServer();
    await mutate({ kind: "feature.created", feature: "f", enabled: false, description: "", salt: "s" });
    const flags = ts.client("grpc");
    const first = async (request: Parameters<FlagClient["watchEvaluation"]>[0]) => {
      for await (const message of flags.watchEvaluation(request)) return message;
      return undefined;
    };
    const cases: [Parameters<FlagClient["watchEvaluation"]>[0], Code, string][] = [
      [{ features: [] }, Code.InvalidArgument, "0 features requested: name 1-1000 features to watch"],
      [{ features: ["f", "f"] }, Code.InvalidArgument, 'feature "f" is named twice: name each feature once'],
      [{ features: ["f", "missing"] }, Code.NotFound, 'feature "missing" not found'],
      [{ features: ["bad name"] }, Code.InvalidArgument, 'feature name "bad name" is invalid'],
      [{ features: ["f"], customerId: "bad id!" }, Code.InvalidArgument, 'customer id "bad id!" is invalid'],
      [{ features: ["f"], userId: "x".repeat(129) }, Code.InvalidArgument, "user id"],
    ];
    for (const [request, code, message] of cases) {
      const error = await first(request).then(
        () => undefined,
        (err: unknown) => ConnectError.from(err),
      );
      expect({ request, code: error?.code, message: error?.rawMessage }).toEqual({ request, code, message: expect.stringContaining(message) });
    }
  });
});
