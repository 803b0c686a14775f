import { beforeAll, describe } from "vitest";
import { openPostgresDatabase } from "../../../src/store/postgres/postgres-database.js";
import { openPostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { createTestDatabase, POSTGRES, type TestDatabase } from "../../support/test-database.js";
import { describeStoreContract } from "../../unit/store/store-contract.js";

// The store contract suite, the same tests as SQLite and memory, on a real PostgreSQL: a fresh database per test.
describe.runIf(POSTGRES.run)("PostgreSQL store", () => {
  beforeAll(() => POSTGRES.check());
  describeStoreContract(
    "postgres",
    () => {
      let database: TestDatabase | undefined;
      // reopen() is another replica: its own pool and LISTEN connection on the same database.
      const open = async () => {
        database ??= await createTestDatabase();
        return openPostgresStore(await openPostgresDatabase(database.url));
      };
      return { open, reopen: open, cleanup: async () => database?.drop() };
    },
    { timeout: 60_000 },
  );
});
