import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFlagClient, type FlagClient } from "../../../src/client/create-flag-client.js";
import { openStore } from "../../../src/store/open-store.js";
import { expectAcknowledgedWrites, runCycleWriters, type WriterLog } from "../../support/acknowledged-writes.js";
import { startPostgresServer, type PostgresServer } from "../../support/postgres-server.js";
import { listAllChanges } from "../../support/replica-set.js";
import { onLoopback, spawnServe, type ServeChild } from "../../support/run-cli.js";
import { POSTGRES } from "../../support/test-database.js";
import { dumpState } from "../../support/state-dump.js";

// Crashes around replicas on one PostgreSQL: a replica SIGKILLed during writes, and PostgreSQL itself restarted
// with `pg_ctl restart -m immediate` (a crash: recovery from its WAL) under load. Afterwards every acknowledged
// write is in the log at its revision, nothing is half-applied (the log replays to the stored state), and the
// replicas that lived on serve exactly the log, without being restarted. A private PostgreSQL: restarting the
// run's shared one would break the other test files.

const WRITERS = 8;
const WRITES_PER_WRITER = 150;

/** Two `flagwire serve` replicas on `url`, with a client of each (gRPC and Connect). */
async function serveReplicas(url: string, count: number): Promise<{ children: ServeChild[]; clients: FlagClient[] }> {
  const children = Array.from({ length: count }, () => spawnServe(onLoopback(url)));
  const serving = await Promise.all(children.map((c) => c.ready));
  const clients = serving.map(({ grpcUrl, httpUrl }, i) => (i % 2 ? createFlagClient({ baseUrl: httpUrl, protocol: "connect" }) : createFlagClient({ baseUrl: grpcUrl, protocol: "grpc" })));
  return { children, clients };
}

/** Waits until a write through `client` succeeds again (the database came back), then says how long it took. */
async function writesResume(client: FlagClient, id: string): Promise<void> {
  let ok = false;
  const deadline = Date.now() + 20_000;
  while (!ok && Date.now() < deadline) ok = await client.createCustomer({ id }).then(() => true, () => false);
  expect(ok, `writes did not resume through ${id}`).toBe(true);
}

/** Each replica's ListChanges is the store's whole log, and all of them answer the same state. */
async function expectReplicasServeLog(url: string, clients: readonly FlagClient[]): Promise<void> {
  const store = await openStore(url);
  try {
    const latest = await store.flags.latestRevision();
    for (const client of clients) {
      const deadline = Date.now() + 10_000;
      let revisions: number[] = [];
      while (Date.now() < deadline) {
        revisions = (await listAllChanges(client)).map((c) => Number(c.revision));
        if (revisions.length === latest) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(revisions).toEqual(Array.from({ length: latest }, (_, i) => i + 1));
    }
    // Their memory too: every replica answers the same state (a fresh one among them, loaded from the database).
    const [first, ...others] = await Promise.all(clients.map((client) => dumpState(client, 1000)));
    for (const other of others) expect(other).toEqual(first);
  } finally {
    await store.close();
  }
}

describe.runIf(POSTGRES.run)("replicas on one PostgreSQL: crashes", () => {
  let postgres: PostgresServer;
  let url: string;
  const children: ServeChild[] = [];

  beforeAll(async () => {
    POSTGRES.check();
    postgres = await startPostgresServer();
    await postgres.sql("CREATE DATABASE crash");
    url = postgres.url("crash");
  }, 120_000);

  afterAll(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill("SIGKILL");
    await Promise.all(children.map((c) => c.exited));
    postgres?.destroy();
  });

  it("a replica SIGKILLed during writes loses nothing acknowledged; the other one serves on", { timeout: 180_000 }, async () => {
    const { children: replicas, clients } = await serveReplicas(url, 2);
    children.push(...replicas);
    const [victim] = replicas;
    const killAfter = 100 + Math.floor(Math.random() * 500);
    let killed = false;
    const logs = await runCycleWriters({
      clients,
      writers: WRITERS,
      prefix: "kill",
      limit: WRITES_PER_WRITER,
      shouldStop: (acks) => {
        if (!killed && acks >= killAfter) {
          killed = true;
          victim!.child.kill("SIGKILL");
        }
        return false;
      },
    });
    expect(killed).toBe(true);
    expect((await victim!.exited).signal).toBe("SIGKILL");
    // The victim's writers stopped at their failure; the survivor's went on to the end.
    expect(logs.filter((l) => l.failure !== undefined).length).toBeGreaterThan(0);
    expect(logs.filter((_, w) => w % 2 === 1).every((l) => l.acknowledged.length === WRITES_PER_WRITER)).toBe(true);
    await checkStore(url, logs);
    // A new replica in its place serves the same log and state as the survivor.
    const { children: [replacement], clients: [fresh] } = await serveReplicas(url, 1);
    children.push(replacement!);
    await expectReplicasServeLog(url, [fresh!, clients[1]!]);
  });

  it("PostgreSQL crash-restarted under load (pg_ctl restart -m immediate): nothing acknowledged lost, replicas go on", { timeout: 180_000 }, async () => {
    const { children: replicas, clients } = await serveReplicas(url, 2);
    children.push(...replicas);
    const restartAfter = 100 + Math.floor(Math.random() * 400);
    let restarted = false;
    const during = await runCycleWriters({
      clients,
      writers: WRITERS,
      prefix: "restart",
      limit: WRITES_PER_WRITER,
      shouldStop: (acks) => {
        if (!restarted && acks >= restartAfter) {
          restarted = true;
          // Synchronous: the writers' calls in flight are in the replicas' hands, and PostgreSQL's, when it dies.
          postgres.restart("immediate");
        }
        return restarted;
      },
    });
    expect(restarted).toBe(true);
    // No replica was restarted: each takes writes again once PostgreSQL is back, and the log continues.
    await writesResume(clients[0]!, "restart-probe-0");
    await writesResume(clients[1]!, "restart-probe-1");
    const after = await runCycleWriters({ clients, writers: WRITERS, prefix: "after", limit: 30 });
    expect(after.every((l) => l.failure === undefined)).toBe(true);
    await checkStore(url, [...during, ...after]);
    const { children: [fresh], clients: [freshClient] } = await serveReplicas(url, 1);
    children.push(fresh!);
    await expectReplicasServeLog(url, [freshClient!, ...clients]);
  });
});

/** The acknowledged-writes check on a fresh connection to the database (what a restarted replica would read). */
async function checkStore(url: string, logs: readonly WriterLog[]): Promise<void> {
  const store = await openStore(url);
  try {
    await expectAcknowledgedWrites(store.flags, logs);
  } finally {
    await store.close();
  }
}
