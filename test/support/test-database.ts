import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import pg from "pg";
import { requirement } from "./requirement.js";
import type {} from "./postgres-global-setup.js";

const provided = inject("postgres");

/**
 * Whether the PostgreSQL tests run here (describe.runIf(POSTGRES.run); call POSTGRES.check() in beforeAll): the
 * run's server started, or CI demands it (FLAGWIRE_REQUIRE_POSTGRES=1) and then a missing one fails.
 */
export const POSTGRES = requirement("POSTGRES", "url" in provided, "missing" in provided ? provided.missing : "");

/** A database of its own for one test file, on the run's PostgreSQL. */
export interface TestDatabase {
  /** Its URL (superuser, no password: the test server trusts loopback). */
  url: string;
  /** Drops it (ending whatever is still connected). */
  drop(): Promise<void>;
}

/** Superuser SQL on the run's server (database `postgres`): e.g. pg_terminate_backend of a LISTEN connection. */
export async function superuserSql<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  if (!("url" in provided)) throw new Error(`no test PostgreSQL: ${provided.missing}`);
  const client = new pg.Client({ connectionString: provided.url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Creates a fresh, empty database on the run's PostgreSQL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!("url" in provided)) throw new Error(`no test PostgreSQL: ${provided.missing}`);
  const name = `flagwire_${randomBytes(6).toString("hex")}`;
  await superuserSql(`CREATE DATABASE ${name}`);
  const url = new URL(provided.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await superuserSql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
