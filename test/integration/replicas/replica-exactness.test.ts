import { equals, toJson } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind, ChangeSchema, type Change } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient, FlagClientProtocol } from "../../../src/client/create-flag-client.js";
import { PROTOCOLS } from "../../support/protocols.js";
import { createRandom, KINDS_WRITTEN, runRandomMutations, type MutationProgress, type Random } from "../../support/random-mutations.js";
import { listAllChanges, startReplicaSet, type ReplicaSet } from "../../support/replica-set.js";
import { createTestDatabase, POSTGRES, type TestDatabase } from "../../support/test-database.js";
import { sleep } from "../../support/wait-until.js";

// Three replicas on one PostgreSQL database agree on one change stream. 1,000 random writes are spread over all
// three; 50 subscribers connect to random replicas at random moments from random revisions, and many hang up
// and resume on ANOTHER replica with the last revision they saw, as a client behind a load balancer does. Every
// subscriber's changes must be exactly its slice of ListChanges: in order, no gap, no duplicate, same content.

const REPLICAS = 3;
const WRITES = 1_000;
const WRITE_CONCURRENCY = 9;
const SUBSCRIBERS = 50;
const HEARTBEAT_MS = 300;

interface Plan {
  name: string;
  protocol: FlagClientProtocol;
  /** The replica of each connection, in turn (resumptions move to the next one). */
  replicas: number[];
  start: "unset" | "zero" | "middle";
  startAfterWrites: number;
  /** Hang up after this many messages on the n-th connection, then resume on the next replica. */
  hangUpAfter: number[];
}

function planSubscribers(random: Random): Plan[] {
  return Array.from({ length: SUBSCRIBERS }, (_, i) => {
    const hangUps = random.chance(0.6) ? 1 + random.int(3) : 0;
    return {
      name: `subscriber-${i}`,
      protocol: PROTOCOLS[i % PROTOCOLS.length] as FlagClientProtocol,
      replicas: Array.from({ length: hangUps + 1 }, () => random.int(REPLICAS)),
      start: random.pick(["unset", "zero", "middle"] as const),
      startAfterWrites: random.chance(0.1) ? WRITES : random.int(WRITES),
      hangUpAfter: Array.from({ length: hangUps }, () => 1 + random.int(200)),
    };
  });
}

/** What one subscriber received over all its connections, and where its first one started. */
interface Received {
  start: number;
  changes: Change[];
  connections: number;
  moves: number;
}

describe.runIf(POSTGRES.run)("replicas on one PostgreSQL: exact streams across all of them", () => {
  let database: TestDatabase;
  let set: ReplicaSet;
  const random = createRandom();

  beforeAll(async () => {
    POSTGRES.check();
    database = await createTestDatabase();
    set = await startReplicaSet(database.url, REPLICAS, { heartbeatIntervalMs: HEARTBEAT_MS });
  }, 60_000);

  afterAll(async () => {
    await set?.close();
    await database?.drop();
  });

  it("gives every subscriber its slice of ListChanges, moving between replicas", async () => {
    const seed = `seed ${random.seed} (rerun with FLAGWIRE_TEST_SEED=${random.seed})`;
    const client = (replica: number, protocol: FlagClientProtocol) => set.replicas[replica]!.client(protocol, `writer-${replica}`);
    const writers = set.replicas.map((_, r) => client(r, PROTOCOLS[r % PROTOCOLS.length] as FlagClientProtocol));
    let progress: Readonly<MutationProgress> = { done: 0, refused: 0, maxRevision: 0 };
    const waiting: { after: number; start: () => void }[] = [];
    const onAnswer = (now: Readonly<MutationProgress>) => {
      progress = now;
      for (let i = waiting.length - 1; i >= 0; i--) if ((waiting[i]?.after ?? 0) <= now.done) waiting.splice(i, 1)[0]?.start();
    };
    let finalRevision: number | undefined;
    let headChanges = 0;

    const subscribe = async (plan: Plan): Promise<Received> => {
      if (plan.startAfterWrites > progress.done) await new Promise<void>((start) => waiting.push({ after: plan.startAfterWrites, start }));
      let since = plan.start === "unset" ? undefined : plan.start === "zero" ? 0 : random.int(progress.maxRevision + 1);
      const received: Received = { start: since ?? -1, changes: [], connections: 0, moves: 0 };
      for (let n = 0; ; n++) {
        const replica = plan.replicas[Math.min(n, plan.replicas.length - 1)] as number;
        if (n > 0 && replica !== plan.replicas[n - 1]) received.moves++;
        received.connections++;
        const abort = new AbortController();
        let messages = 0;
        let reached = since;
        let done = false;
        try {
          for await (const { change, heartbeat } of client(replica, plan.protocol).watchChanges({ sinceRevision: since === undefined ? undefined : BigInt(since) }, { signal: abort.signal })) {
            messages++;
            if (change) received.changes.push(change);
            const revision = Number(change?.revision ?? heartbeat?.revision ?? 0);
            // Without since_revision a stream starts with a heartbeat naming the replica's revision, even when the
            // database is already ahead of the replica's memory (the catch-up then arrives live).
            if (messages === 1 && since === undefined && !heartbeat) headChanges++;
            if (received.start === -1) received.start = heartbeat ? revision : revision - 1;
            reached = Math.max(reached ?? 0, revision);
            done = finalRevision !== undefined && reached >= finalRevision;
            if (done || messages === plan.hangUpAfter[n]) break;
          }
        } catch (err) {
          throw new Error(`${plan.name} on replica ${replica} (${plan.protocol}), connection ${n}: ${String(err)}`);
        } finally {
          abort.abort();
        }
        if (done) return received;
        if (messages !== plan.hangUpAfter[n]) throw new Error(`${plan.name}: replica ${replica} ended the stream`);
        since = reached;
        await sleep(random.int(30));
      }
    };

    const plans = planSubscribers(random);
    const subscribers = plans.map((plan) => subscribe(plan));
    const writing = runRandomMutations({ clients: writers, random, count: WRITES, concurrency: WRITE_CONCURRENCY, onAnswer });
    const early = await Promise.race([writing.then(() => undefined), Promise.all(subscribers).then(() => "subscribers ended early")]);
    expect(early).toBeUndefined();

    // The log: contiguous from 1, every kind present, and the same on every replica once they caught up.
    const reference = await listAllChanges(writers[0] as FlagClient);
    finalRevision = reference.length;
    expect(reference.map((c) => Number(c.revision)), seed).toEqual(Array.from({ length: finalRevision }, (_, i) => i + 1));
    expect(finalRevision, seed).toBeGreaterThan(WRITES / 4);
    const kinds = new Set(reference.map((c) => ChangeKind[c.kind]));
    expect(KINDS_WRITTEN.filter((kind) => !kinds.has(kind)), seed).toEqual([]);
    await set.converged(finalRevision, 30_000);
    for (const other of writers.slice(1)) expect((await listAllChanges(other)).map((c) => toJson(ChangeSchema, c))).toEqual(reference.map((c) => toJson(ChangeSchema, c)));

    const results = await Promise.all(subscribers);
    let moves = 0;
    plans.forEach((plan, i) => {
      const { start, changes, connections, moves: moved } = results[i] as Received;
      moves += moved;
      const what = `${plan.name} (${plan.protocol}, replicas ${plan.replicas.join("->")}, start ${plan.start}=${start}, ${connections} connection(s)); ${seed}`;
      expect(changes.map((c) => Number(c.revision)), what).toEqual(reference.slice(start).map((c) => Number(c.revision)));
      const differs = changes.find((c) => !equals(ChangeSchema, c, reference[Number(c.revision) - 1] as Change));
      expect(differs && toJson(ChangeSchema, differs), what).toBeUndefined();
    });
    expect(headChanges, "streams without since_revision that began with a change, not a heartbeat").toBe(0);
    // The plan is random: make sure it moved subscribers between replicas often enough to mean something.
    expect(moves, seed).toBeGreaterThan(10);
  }, 180_000); // ~7 s on a quiet machine; a generous bound for a loaded one
});
