import type { ServerOptions } from "../../src/server/start-server.js";
import { createTestDatabase, POSTGRES } from "./test-database.js";

/** A storage backend a server test runs on: whether it runs here, and a fresh database of it. */
export interface TestBackend {
  name: "sqlite" | "postgres";
  /** Whether its tests run on this machine (describe.runIf). */
  run: boolean;
  /** Fails when CI demands the backend and it is missing (call in beforeAll). */
  check(): void;
  /** Server options for a fresh, empty database of this backend, and its removal. */
  fresh(): Promise<{ overrides: Partial<ServerOptions>; drop(): Promise<void> }>;
}

/** SQLite (a temp file, startTestServer's default) and PostgreSQL (a fresh database on the run's server). */
export const BACKENDS: readonly TestBackend[] = [
  { name: "sqlite", run: true, check: () => undefined, fresh: async () => ({ overrides: {}, drop: async () => undefined }) },
  {
    name: "postgres",
    run: POSTGRES.run,
    check: () => POSTGRES.check(),
    async fresh() {
      const database = await createTestDatabase();
      return { overrides: { dbPath: database.url }, drop: database.drop };
    },
  },
];
