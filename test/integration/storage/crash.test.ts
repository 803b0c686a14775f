import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFlagClient, type FlagClient } from "../../../src/client/create-flag-client.js";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { onLoopback, spawnServe } from "../../support/run-cli.js";
import { picture, replay, wholeLog } from "../../support/state-picture.js";
import { describeChange, isWriterChange, writeCycle } from "../../support/write-cycle.js";

// `flagwire serve` takes concurrent writes from several clients over both listeners and is SIGKILLed at a random
// moment, five times in a row on the same database. After each kill: every acknowledged write is in the change log
// at the revision it was acknowledged with; each writer's changes are exactly its acknowledged writes, plus at most
// the one it was waiting for (committed but not acknowledged): nothing else, nothing half-applied; and replaying the
// log from revision 0 gives exactly the stored state.

const ROUNDS = 5;
const WRITERS = 12;
const WRITES_PER_ROUND = 2000;
// A process crash leaves every written page in the kernel's cache, so the disk's fsync speed does not matter here:
// a tmpfs (/dev/shm) makes the commits fast without changing what SIGKILL tests.
const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "flagwire-crash-"));
const dbPath = join(dir, "flags.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What one writer had acknowledged: the revision of each of its writes, in order. */
interface WriterLog {
  prefix: string;
  acknowledged: bigint[];
}

/** Runs writers until `stop` says so or the round's writes are used up; a failed call ends that writer. */
async function runWriters(clients: FlagClient[], round: number, shouldStop: (acks: number) => boolean): Promise<WriterLog[]> {
  let sent = 0;
  let acks = 0;
  const writer = async (w: number): Promise<WriterLog> => {
    const log: WriterLog = { prefix: `r${round}-w${w}`, acknowledged: [] };
    const client = clients[w % clients.length] as FlagClient;
    while (sent < WRITES_PER_ROUND && !shouldStop(acks)) {
      sent++;
      try {
        const { revision } = await writeCycle(log.prefix, log.acknowledged.length).call(client);
        log.acknowledged.push(revision);
        acks++;
      } catch {
        return log; // the server died under this call: it may or may not have committed
      }
    }
    return log;
  };
  return Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
}

describe("crash safety", () => {
  it(`survives ${ROUNDS} SIGKILLs during ${WRITES_PER_ROUND} concurrent writes each`, { timeout: 240_000 }, async () => {
    let expectedRevision = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const server = spawnServe(onLoopback(dbPath));
      const { grpcUrl, httpUrl } = await server.ready;
      const clients = [
        createFlagClient({ baseUrl: grpcUrl, protocol: "grpc" }),
        createFlagClient({ baseUrl: httpUrl, protocol: "connect" }),
        createFlagClient({ baseUrl: httpUrl, protocol: "grpc-web" }),
      ];
      // The restarted server serves everything the last round left, from the file alone.
      expect((await clients[0]?.listChanges({ pageSize: 1 }))?.revision).toBe(BigInt(expectedRevision));

      // Kill after a random number of acknowledged writes, so the kill lands anywhere in the round.
      const killAfter = 50 + Math.floor(Math.random() * (WRITES_PER_ROUND - 300));
      let killed = false;
      const logs = await runWriters(clients, round, (acks) => {
        if (!killed && acks >= killAfter) {
          killed = true;
          server.child.kill("SIGKILL");
        }
        return killed;
      });
      if (!killed) server.child.kill("SIGKILL");
      expect((await server.exited).signal).toBe("SIGKILL");

      // Opening the file is what a restart does: SQLite recovers its WAL.
      const store = openSqliteStore({ path: dbPath });
      try {
        const log = await wholeLog(store);
        expect(log.map((c) => c.revision)).toEqual(log.map((_, i) => i + 1)); // no gap, no duplicate
        const byRevision = new Map(log.map((change) => [change.revision, change]));
        for (const { prefix, acknowledged } of logs) {
          // Every acknowledged write is at its revision, and is the write that was acknowledged.
          const expected = acknowledged.map((_, i) => writeCycle(prefix, i).expected);
          const atRevisions = acknowledged.map((revision) => {
            const change = byRevision.get(Number(revision));
            return change ? describeChange(change) : `(no change at revision ${revision})`;
          });
          expect(atRevisions, prefix).toEqual(expected);
          // The writer's changes are its acknowledged writes, or those plus the one it was waiting for.
          const logged = log.filter((change) => isWriterChange(prefix, change)).map(describeChange);
          const inFlight = writeCycle(prefix, acknowledged.length).expected;
          expect([expected, [...expected, inFlight]], prefix).toContainEqual(logged);
        }
        expect(log.every((change) => logs.some(({ prefix }) => isWriterChange(prefix, change)) || change.revision <= expectedRevision)).toBe(true);
        expect(picture(await store.loadState())).toEqual(picture(replay(log)));
        expect(logs.reduce((sum, { acknowledged }) => sum + acknowledged.length, 0)).toBeGreaterThanOrEqual(Math.min(killAfter, WRITES_PER_ROUND));
        expectedRevision = await store.latestRevision();
      } finally {
        await store.close();
      }
    }
  });
});
