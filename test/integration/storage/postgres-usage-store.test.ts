import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { openPostgresDatabase } from "../../../src/store/postgres/postgres-database.js";
import { openPostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { openPostgresUsageStore } from "../../../src/store/postgres/postgres-usage-store.js";
import { createTestDatabase, POSTGRES, type TestDatabase } from "../../support/test-database.js";
import { describeUsageStoreContract } from "../../unit/store/usage-store-contract.js";

// The usage contract suite, the same tests as SQLite and memory, on a real PostgreSQL: one database for the file,
// emptied after each test; every open() is another replica with its own pool.
describe.runIf(POSTGRES.run)("PostgreSQL usage store", () => {
  let database: TestDatabase | undefined;
  beforeAll(() => POSTGRES.check());
  afterAll(async () => database?.drop());
  describeUsageStoreContract(
    "postgres",
    () => ({
      open: async () => {
        database ??= await createTestDatabase();
        const opened = await openPostgresDatabase(database.url);
        return { flags: openPostgresStore(opened), usage: openPostgresUsageStore(opened) };
      },
      cleanup: async () => {
        if (!database) return;
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          await client.query("TRUNCATE features, changes, feature_usage, feature_usage_days RESTART IDENTITY CASCADE; UPDATE clock SET revision = 0");
        } finally {
          await client.end();
        }
      },
    }),
    { timeout: 60_000 },
  );
});
