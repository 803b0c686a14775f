import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { equals, toJson } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { ChangeKind, ChangeSchema, type Change, type WatchChangesResponse } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient, FlagClientProtocol } from "../../../src/client/create-flag-client.js";
import { watchChanges, type ReconnectEvent } from "../../../src/client/watch-changes.js";
import { grpcJsFlagClient, grpcJsStream, grpcJsUnary } from "../../support/grpc-js-flag-client.js";
import { createRandom, KINDS_WRITTEN, POOL, runRandomMutations, type MutationProgress, type Random } from "../../support/random-mutations.js";
import { startRestartableTestServer } from "../../support/restartable-test-server.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { sleep, waitUntil } from "../../support/wait-until.js";
import { PROTOCOLS } from "../../support/protocols.js";
import { listAllChanges } from "../../support/replica-set.js";

/**
 * Change streams are exact: whatever moment a subscriber connects at, whatever revision it starts from,
 * however often it disconnects and resumes with the last revision it saw, the changes it receives are
 * exactly the change log's, once each, in order; and a heartbeat never claims a revision whose change
 * is still to come.
 */

const WRITES = 1_000;
const WRITE_CONCURRENCY = 8;
const SUBSCRIBERS = 50;
const FILTERED_SUBSCRIBERS = 6;
// Short, so that subscribers whose last changes were filtered out learn soon that they are current.
const HEARTBEAT_MS = 300;

/** Who decodes the stream: a stack that shares no code with the server, or our own generated client. */
type Transport = "grpc-js" | FlagClientProtocol;
const TRANSPORTS: readonly Transport[] = ["grpc-js", ...PROTOCOLS];

/** One stream message, reduced to what the checks need; `value` is the whole Change as its stack decoded it. */
type Received =
  | { type: "change"; revision: number; rename: readonly [string, string] | undefined; value: unknown }
  | { type: "heartbeat"; revision: number }
  | { type: "other" };

// The shapes proto-loader decodes (see LOADER_OPTIONS): int64 as strings, enums by name, unset messages null.
interface GrpcJsChange {
  revision: string;
  kind: string;
  feature: string;
  newName: string;
}
interface GrpcJsWatchResponse {
  change: GrpcJsChange | null;
  heartbeat: { revision: string } | null;
}

function fromGrpcJs(message: GrpcJsWatchResponse): Received {
  const { change, heartbeat } = message;
  if (change) {
    const rename = change.kind === "CHANGE_KIND_FEATURE_RENAMED" ? ([change.feature, change.newName] as const) : undefined;
    return { type: "change", revision: Number(change.revision), rename, value: change };
  }
  return heartbeat ? { type: "heartbeat", revision: Number(heartbeat.revision) } : { type: "other" };
}

function fromConnect(message: WatchChangesResponse): Received {
  const { change, heartbeat } = message;
  if (change) {
    const rename = change.kind === ChangeKind.FEATURE_RENAMED ? ([change.feature, change.newName] as const) : undefined;
    return { type: "change", revision: Number(change.revision), rename, value: change };
  }
  return heartbeat ? { type: "heartbeat", revision: Number(heartbeat.revision) } : { type: "other" };
}

interface StreamRequest {
  sinceRevision: number | undefined;
  features: readonly string[];
}

/** An open WatchChanges call: `ended` resolves with undefined after our own cancel, else with why it ended. */
interface OpenStream {
  ended: Promise<unknown>;
}

/** Opens WatchChanges; `onMessage` returns false to hang up (nothing after that is delivered). */
type Open = (request: StreamRequest, onMessage: (message: Received) => boolean) => OpenStream;

function openGrpcJs(client: grpc.Client): Open {
  return (request, onMessage) => {
    const since = request.sinceRevision === undefined ? {} : { sinceRevision: String(request.sinceRevision) };
    const stream = grpcJsStream<GrpcJsWatchResponse>(client, "watchChanges", { ...since, features: request.features });
    let cancelled = false;
    stream.on("data", (message: GrpcJsWatchResponse) => {
      if (cancelled) return;
      if (!onMessage(fromGrpcJs(message))) {
        cancelled = true;
        stream.cancel();
      }
    });
    stream.on("error", () => undefined); // reported through "status"
    const ended = new Promise((resolve) => {
      stream.on("status", (status: grpc.StatusObject) =>
        resolve(cancelled ? undefined : new Error(`grpc-js stream ended: code ${status.code}: ${status.details}`)),
      );
    });
    return { ended };
  };
}

function openConnect(client: FlagClient): Open {
  return (request, onMessage) => {
    const abort = new AbortController();
    const since = request.sinceRevision === undefined ? undefined : BigInt(request.sinceRevision);
    const ended = (async () => {
      try {
        for await (const message of client.watchChanges({ sinceRevision: since, features: [...request.features] }, { signal: abort.signal })) {
          if (!onMessage(fromConnect(message))) {
            abort.abort();
            return undefined;
          }
        }
        return new Error("the server ended the stream");
      } catch (err) {
        return abort.signal.aborted ? undefined : err;
      }
    })();
    return { ended };
  };
}

/** The documented filter rule, written independently of the server's: followed names move with renames. */
function followRename(names: Set<string>, from: string, to: string): void {
  if (names.has(from)) {
    names.delete(from);
    names.add(to);
  }
}

/**
 * Which changes of the log a subscriber following `features` receives: the changes of those features
 * (a change names its feature; customer and user changes name none) and every other change.
 */
function followedRevisions(log: readonly Change[], features: readonly string[]): Set<number> {
  const names = new Set(features);
  const accepted = new Set<number>();
  for (const change of log) {
    const accept = change.feature === "" || names.has(change.feature) || (change.kind === ChangeKind.FEATURE_RENAMED && names.has(change.newName));
    if (change.kind === ChangeKind.FEATURE_RENAMED) followRename(names, change.feature, change.newName);
    if (accept) accepted.add(Number(change.revision));
  }
  return accepted;
}

/** One connection of a subscriber: what it asked for and what it received until it hung up. */
interface Segment {
  request: StreamRequest;
  messages: Received[];
}

interface SubscriberPlan {
  name: string;
  transport: Transport;
  start: "unset" | "zero" | "middle";
  /** Connect once this many writes have been answered. */
  startAfterWrites: number;
  features: readonly string[];
  /** Hang up after this many messages on the n-th connection (then resume); none past the list. */
  hangUpAfter: readonly number[];
}

function planSubscribers(random: Random): SubscriberPlan[] {
  return Array.from({ length: SUBSCRIBERS }, (_, i) => {
    const filtered = i < FILTERED_SUBSCRIBERS;
    const hangUps = random.chance(0.4) ? 1 + random.int(3) : 0;
    return {
      name: `subscriber-${i}`,
      transport: TRANSPORTS[i % TRANSPORTS.length] as Transport,
      start: random.pick(["unset", "zero", "middle"] as const),
      // A few connect only once every write is done.
      startAfterWrites: random.chance(0.1) ? WRITES : random.int(WRITES),
      features: filtered ? [random.pick(POOL.features), random.pick(POOL.features), `unknown-${i}`] : [],
      hangUpAfter: Array.from({ length: hangUps }, () => 1 + random.int(150)),
    };
  });
}

/** The whole log through the grpc-js client, as proto-loader decodes it. */
async function listChangesGrpcJs(client: grpc.Client): Promise<GrpcJsChange[]> {
  const changes: GrpcJsChange[] = [];
  let pageToken = "";
  do {
    const page = await grpcJsUnary<{ changes: GrpcJsChange[]; nextPageToken: string }>(client, "listChanges", { pageSize: 1000, pageToken });
    changes.push(...page.changes);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return changes;
}

/** Per segment: heartbeats never go back, and no change arrives at or below a revision a heartbeat already vouched for. */
function heartbeatViolations(segments: readonly Segment[]): string[] {
  const violations: string[] = [];
  segments.forEach((segment, n) => {
    let vouched = -1;
    for (const message of segment.messages) {
      if (message.type === "heartbeat") {
        if (message.revision < vouched) violations.push(`connection ${n}: heartbeat ${message.revision} after heartbeat ${vouched}`);
        vouched = Math.max(vouched, message.revision);
      } else if (message.type === "change" && message.revision <= vouched) {
        violations.push(`connection ${n}: change ${message.revision} after a heartbeat at ${vouched}`);
      }
    }
  });
  return violations;
}

describe("WatchChanges exactness under concurrent writes", () => {
  let ts: TestServer;
  let grpcJs: grpc.Client;
  const random = createRandom();

  beforeAll(async () => {
    ts = await startTestServer({ heartbeatIntervalMs: HEARTBEAT_MS });
    grpcJs = grpcJsFlagClient(ts.grpcUrl);
  });

  afterAll(async () => {
    grpcJs?.close();
    await ts?.close();
  });

  it("gives every subscriber exactly its slice of ListChanges, across random starts and resumptions", async () => {
    const seed = `seed ${random.seed} (rerun with FLAGWIRE_TEST_SEED=${random.seed})`;
    const writers = PROTOCOLS.map((protocol) => ts.client(protocol, `writer-${protocol}`));
    const opens: Record<Transport, Open> = {
      "grpc-js": openGrpcJs(grpcJs),
      grpc: openConnect(ts.client("grpc")),
      connect: openConnect(ts.client("connect")),
      "grpc-web": openConnect(ts.client("grpc-web")),
    };
    let progress: Readonly<MutationProgress> = { done: 0, refused: 0, maxRevision: 0 };
    // Subscribers waiting for their moment to connect, by the number of answered writes they wait for.
    const waiting: { after: number; start: () => void }[] = [];
    const onAnswer = (now: Readonly<MutationProgress>) => {
      progress = now;
      for (let i = waiting.length - 1; i >= 0; i--) if ((waiting[i]?.after ?? 0) <= now.done) waiting.splice(i, 1)[0]?.start();
    };
    let finalRevision: number | undefined;

    const subscribe = async (plan: SubscriberPlan): Promise<Segment[]> => {
      if (plan.startAfterWrites > progress.done) await new Promise<void>((start) => waiting.push({ after: plan.startAfterWrites, start }));
      const names = new Set(plan.features);
      let since = plan.start === "unset" ? undefined : plan.start === "zero" ? 0 : random.int(progress.maxRevision + 1);
      const segments: Segment[] = [];
      for (let n = 0; ; n++) {
        const segment: Segment = { request: { sinceRevision: since, features: [...names] }, messages: [] };
        segments.push(segment);
        const hangUpAfter = plan.hangUpAfter[n];
        let reached = since;
        let done = false;
        const stream = opens[plan.transport](segment.request, (message) => {
          segment.messages.push(message);
          if (message.type === "change" && message.rename && plan.features.length > 0) followRename(names, ...message.rename);
          if (message.type !== "other") reached = Math.max(reached ?? 0, message.revision);
          done = finalRevision !== undefined && reached !== undefined && reached >= finalRevision;
          return !done && segment.messages.length !== hangUpAfter;
        });
        const error = await stream.ended;
        if (error) throw new Error(`${plan.name} (${plan.transport}), connection ${n}: ${String(error)}`);
        if (done) return segments;
        // Resume exactly as a client should: after the last revision the stream proved (change or heartbeat).
        since = reached;
        await sleep(random.int(30));
      }
    };

    const plans = planSubscribers(random);
    const subscribers = plans.map((plan) => subscribe(plan));
    const writing = runRandomMutations({ clients: writers, random, count: WRITES, concurrency: WRITE_CONCURRENCY, onAnswer });
    const sawUnexpected = await Promise.race([writing.then(() => undefined), Promise.all(subscribers).then(() => "subscribers ended early")]);
    expect(sawUnexpected).toBeUndefined();
    const reference = await listAllChanges(writers[1] as FlagClient);
    finalRevision = reference.length;
    const results = await Promise.all(subscribers);

    // The log itself: contiguous from 1, every mutation kind present, and the same through both stacks.
    expect(reference.map((c) => Number(c.revision)), seed).toEqual(Array.from({ length: finalRevision }, (_, i) => i + 1));
    expect(finalRevision, "the random run should change something most of the time").toBeGreaterThan(WRITES / 4);
    const kindsSeen = new Set(reference.map((c) => ChangeKind[c.kind]));
    expect(KINDS_WRITTEN.filter((kind) => !kindsSeen.has(kind)), `every kind of change should occur; ${seed}`).toEqual([]);
    const referenceGrpcJs = await listChangesGrpcJs(grpcJs);
    expect(referenceGrpcJs.map((c) => [Number(c.revision), c.kind])).toEqual(reference.map((c) => [Number(c.revision), `CHANGE_KIND_${ChangeKind[c.kind]}`]));
    // Whole messages: each stack's stream against the same stack's ListChanges (its own decoding of the log).
    const sameAsGrpcJsLog = (value: unknown, revision: number) => JSON.stringify(value) === JSON.stringify(referenceGrpcJs[revision - 1]);
    const sameAsLog = (value: unknown, revision: number) => equals(ChangeSchema, value as Change, reference[revision - 1] as Change);
    const show = (value: unknown) => (value && typeof value === "object" && "$typeName" in value ? toJson(ChangeSchema, value as Change) : value);

    let resumptions = 0;
    plans.forEach((plan, i) => {
      const segments = results[i] as Segment[];
      resumptions += segments.length - 1;
      const what = `${plan.name} over ${plan.transport}, start ${plan.start}, filter [${plan.features.join(", ")}], ${segments.length} connection(s); ${seed}`;
      const [first] = segments;
      // Without since_revision the stream starts with a heartbeat naming the revision it starts after.
      const head = first?.messages[0];
      if (first?.request.sinceRevision === undefined) expect(head?.type, what).toBe("heartbeat");
      const start = first?.request.sinceRevision ?? (head?.type === "heartbeat" ? head.revision : NaN);
      const followed = plan.features.length > 0 ? followedRevisions(reference.slice(start), plan.features) : undefined;
      const expected = reference.map((c) => Number(c.revision)).filter((r) => r > start && (!followed || followed.has(r)));
      const changes = segments.flatMap((s) => s.messages.flatMap((m) => (m.type === "change" ? [m] : [])));
      expect(heartbeatViolations(segments), what).toEqual([]);
      expect(changes.map((c) => c.revision), what).toEqual(expected);
      const same = plan.transport === "grpc-js" ? sameAsGrpcJsLog : sameAsLog;
      const differs = changes.find((c) => !same(c.value, c.revision));
      const logged = plan.transport === "grpc-js" ? referenceGrpcJs : reference;
      expect(differs && { received: show(differs.value), logged: show(logged[differs.revision - 1]) }, what).toBeUndefined();
    });
    // The plan is random: make sure it exercised what it is meant to.
    expect(resumptions, seed).toBeGreaterThan(5);
  }, 60_000);
});

describe("the heartbeat that ends a replay", () => {
  let ts: TestServer;

  beforeAll(async () => {
    ts = await startTestServer();
  });

  afterAll(async () => {
    await ts?.close();
  });

  // The race the random test above can only hit by chance, made certain: a write lands while the
  // replay is being read. The heartbeat must not vouch for it before it has been sent, or a client that
  // resumes from that heartbeat never gets it.
  it("vouches only for changes already sent, even when a write lands during the replay", async () => {
    const engine = ts.server.engine;
    for (let i = 0; i < 5; i++) await engine.submit({ kind: "customer.created", customerId: `replayed-${i}` }, null);
    const abort = new AbortController();
    const stream = engine.watch({ sinceRevision: 2 }, abort.signal);
    const events = [(await stream.next()).value];
    await engine.submit({ kind: "customer.created", customerId: "during-replay" }, null);
    for (let i = 0; i < 3; i++) events.push((await stream.next()).value);
    abort.abort();
    const order = events.map((e) => (e?.type === "change" ? `change ${e.change.revision}` : e?.type === "heartbeat" ? `heartbeat ${e.revision}` : e?.type));
    expect(order.slice(0, 3)).toEqual(["change 3", "change 4", "change 5"]);
    // Correct: "heartbeat 5" (then change 6), or change 6 first; wrong: "heartbeat 6" ahead of change 6.
    expect(["heartbeat 5", "change 6"], `after the replay: ${order.join(", ")}`).toContain(order[3]);
  });
});

describe("watchChanges() across a server restart", () => {
  let ts: TestServer;

  beforeAll(async () => {
    ts = await startRestartableTestServer({ heartbeatIntervalMs: HEARTBEAT_MS });
  });

  afterAll(async () => {
    await ts?.close();
  });

  it.each(PROTOCOLS)("sees every change once, in order, resuming by revision (%s)", async (protocol) => {
    const writer = ts.client("grpc", "writer");
    const write = async (count: number, prefix: string) => {
      for (let i = 0; i < count; i++) await writer.createCustomer({ id: `${protocol}-${prefix}-${i}` });
    };
    await write(5, "early");
    const since = Number((await writer.listChanges({ pageSize: 1 })).revision);
    await write(5, "before");

    const abort = new AbortController();
    const received: Change[] = [];
    const reconnects: ReconnectEvent[] = [];
    const following = (async () => {
      const options = { sinceRevision: since, signal: abort.signal, initialBackoffMs: 50, maxBackoffMs: 200, onReconnect: (e: ReconnectEvent) => reconnects.push(e) };
      for await (const message of watchChanges(ts.client(protocol), options)) if (message.change) received.push(message.change);
    })();
    const lastReceived = () => Number(received[received.length - 1]?.revision ?? since);
    const concurrent = write(5, "racing");
    await concurrent;
    const beforeRestart = Number((await writer.listChanges({ pageSize: 1 })).revision);
    await waitUntil("the watcher to catch up", () => lastReceived() === beforeRestart, 5_000);

    await ts.restart();
    // The watcher is away (backing off) while these land: it must fetch them from the log.
    await ts.server.engine.submit({ kind: "customer.created", customerId: `${protocol}-while-away` }, "direct");
    await write(5, "after");
    const last = Number((await writer.listChanges({ pageSize: 1 })).revision);
    await waitUntil("the watcher to resume and catch up", () => lastReceived() >= last, 10_000);
    abort.abort();
    await following;

    expect(received.map((c) => toJson(ChangeSchema, c))).toEqual((await listAllChanges(writer, since)).map((c) => toJson(ChangeSchema, c)));
    expect(received).toHaveLength(last - since);
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
    expect(reconnects[0]?.resumeFrom).toBe(beforeRestart);
  }, 20_000);
});
