import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { openPostgresDatabase } from "../../../src/store/postgres/postgres-database.js";
import { openPostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { createTestDatabase, POSTGRES, type TestDatabase } from "../../support/test-database.js";
import { describeStoreContract } from "../../unit/store/store-contract.js";

/** Empties a flagwire database as a fresh one is (cheaper than a new database per test: no migration to run). */
async function emptyDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      "TRUNCATE features, customers, users, overrides, segments, segment_members, segment_rules, changes, tokens, auth RESTART IDENTITY; UPDATE clock SET revision = 0",
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
