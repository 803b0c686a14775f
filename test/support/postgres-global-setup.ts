import type { TestProject } from "vitest/node";
import { postgresBinDir, startPostgresServer, type PostgresServer } from "./postgres-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's PostgreSQL (superuser URL of database `postgres`), or why there is none. */
    postgres: { url: string } | { missing: string };
  }
}

let server: PostgresServer | undefined;

/**
 * Starts ONE PostgreSQL for the whole run, whenever the machine has one: initdb and start cost about 2 s, less
 * than finding out which test files will need it, and starting it from a worker would need a lock across
 * workers. Test files get a fresh database each (test/support/test-database.ts).
 */
export async function setup(project: TestProject): Promise<void> {
  if (postgresBinDir() === null) {
    project.provide("postgres", { missing: "PostgreSQL is not installed (apt-get install postgresql)" });
    return;
  }
  try {
    server = await startPostgresServer();
    project.provide("postgres", { url: server.url() });
  } catch (err) {
    project.provide("postgres", { missing: `the test PostgreSQL did not start: ${(err as Error).message}` });
  }
}

/** Stops the run's PostgreSQL and removes its directory. */
export function teardown(): void {
  server?.destroy();
  server = undefined;
}
