import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openPostgresDatabase } from "../../../src/store/postgres/postgres-database.js";
import { openPostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { createTestDatabase, POSTGRES, superuserSql, type TestDatabase } from "../../support/test-database.js";
import { describeStoreContract } from "../../unit/store/store-contract.js";

/** Empties a flagwire database as a fresh one is (cheaper than a new database per test: no migration to run). */
async function emptyDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      "TRUNCATE features, customers, users, overrides, segments, segment_members, segment_rules, changes, tokens, auth, feature_usage, feature_usage_days RESTART IDENTITY; UPDATE clock SET revision = 0",
    );
  } finally {
    await client.end();
  }
}

// The store contract suite, the same tests as SQLite and memory, on a real PostgreSQL: one database for the file,
// emptied after each test.
describe.runIf(POSTGRES.run)("PostgreSQL store", () => {
  let database: TestDatabase | undefined;
  beforeAll(() => POSTGRES.check());
  afterAll(async () => database?.drop());
  describeStoreContract(
    "postgres",
    () => {
      // reopen() is another replica: its own pool and LISTEN connection on the same database.
      const open = async () => {
        database ??= await createTestDatabase();
        return openPostgresStore(await openPostgresDatabase(database.url));
      };
      return { open, reopen: open, cleanup: async () => database && emptyDatabase(database.url) };
    },
    { timeout: 60_000 },
  );
});

describe.runIf(POSTGRES.run)("PostgreSQL store: the LISTEN connection", { timeout: 30_000 }, () => {
  let database: TestDatabase | undefined;
  beforeAll(() => POSTGRES.check());
  afterAll(async () => database?.drop());

  it("killed (pg_terminate_backend): reconnected, and what was committed meanwhile is reported", async () => {
    database = await createTestDatabase();
    const name = new URL(database.url).pathname.slice(1);
    // No periodic look within the test: only the reconnection's catch-up can report what it missed.
    const mine = openPostgresStore(await openPostgresDatabase(database.url, { catchUpIntervalMs: 600_000 }));
    const theirs = openPostgresStore(await openPostgresDatabase(database.url));
    const reports: number[] = [];
    const errors: unknown[] = [];
    const stop = mine.onCommittedElsewhere((revision) => reports.push(revision), (err) => errors.push(err));
    try {
      const append = (id: string) => theirs.write(Number.MAX_SAFE_INTEGER, (_missed, w) => w.append({ kind: "customer.created", customerId: id }, null, 1));
      await append("c1");
      await vi.waitFor(() => expect(reports).toEqual([1]), { timeout: 2_000, interval: 5 });
      const killed = await superuserSql<{ ok: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND application_name = 'flagwire-listen'",
        [name],
      );
      expect(killed.length).toBe(2); // both stores' LISTEN connections
      // Committed while nobody listened: its NOTIFY reached no one.
      await append("c2");
      await vi.waitFor(() => expect(reports).toEqual([1, 2]), { timeout: 5_000, interval: 5 });
      expect(errors.length).toBe(1); // the loss, told once
      await append("c3");
      await vi.waitFor(() => expect(reports).toEqual([1, 2, 3]), { timeout: 2_000, interval: 5 });
    } finally {
      stop();
      await mine.close();
      await theirs.close();
    }
  });
});
