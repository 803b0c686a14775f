import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Change } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { startPostgresServer, type PostgresServer } from "../../support/postgres-server.js";
import { listAllChanges, startReplicaSet, type ReplicaSet } from "../../support/replica-set.js";
import { POSTGRES } from "../../support/test-database.js";
import { sleep, waitUntil } from "../../support/wait-until.js";

// Replicas ride out PostgreSQL going away. While it is down, writes are refused with UNAVAILABLE and change
// nothing, while reads and Evaluate are answered from memory and watch streams stay open with heartbeats; once it is
// back, writes resume and every replica catches up, none restarted. A replica whose LISTEN connection is killed
// (pg_terminate_backend) reconnects and catches up from the log: it misses nothing. A private PostgreSQL, since
// stopping the run's shared one would break the other test files.

const HEARTBEAT_MS = 200;

/** A watcher of one replica from revision `since`: what it has received so far, and how to hang up. */
function follow(client: FlagClient, since: number) {
  const abort = new AbortController();
  const changes: Change[] = [];
  const heartbeats: number[] = [];
  const ended = (async () => {
    try {
      for await (const { change, heartbeat } of client.watchChanges({ sinceRevision: BigInt(since) }, { signal: abort.signal })) {
        if (change) changes.push(change);
        if (heartbeat) heartbeats.push(Number(heartbeat.revision));
      }
      return new Error("the server ended the stream");
    } catch (err) {
      return abort.signal.aborted ? undefined : err;
    }
  })();
  return { changes, heartbeats, ended, stop: () => abort.abort() };
}

/** What a replica answers from memory: its features, customers and users (one page holds them all here), as JSON. */
async function memoryState(client: FlagClient) {
  const [features, customers, users] = await Promise.all([client.listFeatures({}), client.listCustomers({}), client.listUsers({})]);
  return JSON.parse(JSON.stringify({ features, customers, users }, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value)));
}

describe.runIf(POSTGRES.run)("replicas on one PostgreSQL: the database going away", () => {
  let postgres: PostgresServer;
  let set: ReplicaSet;
  let a: FlagClient;
  let b: FlagClient;
  let down = false;

  beforeAll(async () => {
    POSTGRES.check();
    postgres = await startPostgresServer();
    await postgres.sql("CREATE DATABASE outage");
    set = await startReplicaSet(postgres.url("outage"), 2, { heartbeatIntervalMs: HEARTBEAT_MS });
    [a, b] = set.replicas.map((r, i) => r.client(i ? "connect" : "grpc", `replica-${i}`)) as [FlagClient, FlagClient];
    await a.createFeature({ name: "checkout", enabled: false });
    await a.createCustomer({ id: "acme" });
    await b.setOverride({ feature: "checkout", target: { kind: { case: "customerId", value: "acme" } }, enabled: true });
    await set.converged(3);
  }, 120_000);

  afterEach(() => {
    // A failed test must not leave the next one without its database.
    if (down) postgres.start();
    down = false;
  });

  afterAll(async () => {
    await set?.close();
    postgres?.destroy();
  });

  it("PostgreSQL stopped: writes UNAVAILABLE changing nothing, reads and streams go on; back: writes resume, replicas catch up", { timeout: 90_000 }, async () => {
    const before = await Promise.all([memoryState(a), memoryState(b)]);
    const watchers = [follow(a, 0), follow(b, 3)];
    await waitUntil("both watchers to replay", () => watchers[0]!.changes.length === 3 && watchers[1]!.heartbeats.length > 0, 5_000);

    postgres.stop("fast");
    down = true;
    for (const [client, name] of [[a, "during-outage-a"], [b, "during-outage-b"]] as const) {
      const refused = await client.createCustomer({ id: name }).then(() => undefined, (err: unknown) => ConnectError.from(err));
      expect(refused?.code, `write on ${name}`).toBe(Code.Unavailable);
      expect(refused?.rawMessage).toMatch(/PostgreSQL|database/i);
      expect(refused?.rawMessage).not.toMatch(/password/i);
    }
    // Reads and evaluation from memory, on both replicas, exactly as before. (ListChanges reads the log, which lives
    // in the database: it is UNAVAILABLE too, and says so.)
    expect(await Promise.all([memoryState(a), memoryState(b)])).toEqual(before);
    await expect(a.listChanges({})).rejects.toMatchObject({ code: Code.Unavailable });
    for (const client of [a, b]) expect((await client.evaluate({ feature: "checkout", customerId: "acme" })).enabled).toBe(true);
    // The streams stay open: heartbeats keep coming, at the revision they had.
    const beats = watchers.map((w) => w.heartbeats.length);
    await waitUntil("heartbeats while PostgreSQL is down", () => watchers.every((w, i) => w.heartbeats.length >= (beats[i] ?? 0) + 2), 5_000);
    expect(watchers.flatMap((w) => w.heartbeats.slice(-2))).toEqual([3, 3, 3, 3]);

    postgres.start();
    down = false;
    // No replica restarted: the first write that goes through proves the pool reconnected.
    const deadline = Date.now() + 20_000;
    let resumed: bigint | undefined;
    while (resumed === undefined && Date.now() < deadline) resumed = await a.createCustomer({ id: "after-outage" }).then((r) => r.revision, () => undefined);
    expect(resumed, "writes on replica A did not resume").toBe(4n);
    expect((await b.createCustomer({ id: "after-outage-b" })).revision).toBe(5n);
    await set.converged(5);
    await waitUntil("both watchers to get the new changes", () => watchers[0]!.changes.length === 5 && watchers[1]!.changes.length === 2, 10_000);
    // Nothing refused during the outage was written; the streams never broke.
    const log = await listAllChanges(a);
    expect(log.map((c) => c.target?.kind.value ?? c.feature)).toEqual(["checkout", "acme", "acme", "after-outage", "after-outage-b"]);
    expect(watchers[0]!.changes).toEqual(log);
    expect(watchers[1]!.changes).toEqual(log.slice(3));
    for (const w of watchers) w.stop();
    expect(await Promise.all(watchers.map((w) => w.ended))).toEqual([undefined, undefined]);
  });

  it("a replica whose LISTEN connection is killed catches up and misses nothing", { timeout: 60_000 }, async () => {
    const start = set.replicas[1]!.server.engine.revision;
    const watcher = follow(b, start);
    const listeners = async () =>
      postgres.sql<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = 'outage' AND query ILIKE 'LISTEN%'");
    // Each replica keeps a LISTEN connection (after the outage above, they may still be reconnecting).
    let before: { pid: number }[] = [];
    for (const deadline = Date.now() + 15_000; before.length < 2 && Date.now() < deadline; await sleep(50)) before = await listeners();
    expect(before.length, "each replica keeps a LISTEN connection").toBeGreaterThanOrEqual(2);
    await postgres.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'outage' AND query ILIKE 'LISTEN%'");
    // Writes on A at once, while B is without its LISTEN connection: B must fetch them from the log.
    for (let i = 0; i < 20; i++) await a.createCustomer({ id: `while-deaf-${i}` });
    await set.converged(start + 20, 10_000);
    await waitUntil("B's watcher to get every change", () => watcher.changes.length === 20, 10_000);
    expect(watcher.changes).toEqual(await listAllChanges(a, start));
    // And it listens again: a later write reaches B by push as before.
    const next = await a.createCustomer({ id: "after-reconnect" });
    await set.converged(Number(next.revision));
    await waitUntil("B's watcher to get the next change", () => watcher.changes.length === 21, 10_000);
    const reconnected = async () => (await listeners()).filter((l) => !before.some((old) => old.pid === l.pid)).length;
    for (const deadline = Date.now() + 15_000; (await reconnected()) < 2 && Date.now() < deadline; ) await sleep(50);
    expect(await reconnected(), "both replicas LISTEN again").toBeGreaterThanOrEqual(2);
    watcher.stop();
    expect(await watcher.ended).toBeUndefined();
  });
});
