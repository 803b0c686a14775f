import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFlagClient } from "../../../src/client/create-flag-client.js";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { onLoopback, spawnServe } from "../../support/run-cli.js";
import { expectAcknowledgedWrites, runCycleWriters } from "../../support/acknowledged-writes.js";
import { wholeLog } from "../../support/state-picture.js";
import { isWriterChange } from "../../support/write-cycle.js";

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
      const shouldStop = (acks: number) => {
        if (!killed && acks >= killAfter) {
          killed = true;
          server.child.kill("SIGKILL");
        }
        return killed;
      };
      const logs = await runCycleWriters({ clients, writers: WRITERS, prefix: `r${round}`, limit: Math.ceil(WRITES_PER_ROUND / WRITERS), shouldStop });
      if (!killed) server.child.kill("SIGKILL");
      expect((await server.exited).signal).toBe("SIGKILL");

      // Opening the file is what a restart does: SQLite recovers its WAL.
      const store = openSqliteStore({ path: dbPath });
      try {
        await expectAcknowledgedWrites(store, logs);
        const log = await wholeLog(store);
        // Nothing in the log but this round's writers' changes and what earlier rounds left.
        expect(log.every((change) => logs.some(({ prefix }) => isWriterChange(prefix, change)) || change.revision <= expectedRevision)).toBe(true);
        expect(logs.reduce((sum, { acknowledged }) => sum + acknowledged.length, 0)).toBeGreaterThanOrEqual(Math.min(killAfter, WRITES_PER_ROUND));
        expectedRevision = await store.latestRevision();
      } finally {
        await store.close();
      }
    }
  });
});
