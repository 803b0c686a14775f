import { randomBytes } from "node:crypto";
import pg from "pg";
import { DomainError } from "../../domain/domain-error.js";
import { postgresConfig } from "./postgres-config.js";
import { postgresError, unreachable } from "./postgres-error.js";
import { createPostgresListener } from "./postgres-listener.js";
import { POSTGRES_MIGRATIONS } from "./postgres-migrations.js";

/** The channel a write transaction NOTIFYs its revision on (`<instance>:<revision>`). */
export const CHANGES_CHANNEL = "flagwire_changes";
/** The channel a token insert or revocation NOTIFYs on. */
export const TOKENS_CHANNEL = "flagwire_tokens";
/** The key of the advisory lock migrations run under, so that replicas started together do not race. */
const MIGRATION_LOCK = 7_365_201_914;

/** Options of {@link openPostgresDatabase}. */
export interface PostgresDatabaseOptions {
  /** Connections of the pool (the LISTEN connection is extra); default 10. */
  poolSize?: number | undefined;
  /** How often to look for commits that no notification announced; default 5 s. */
  catchUpIntervalMs?: number | undefined;
}

/** What listeners of a {@link PostgresDatabase} hear. */
interface Listeners {
  /** A change notification: another connection committed up to `revision` (`instance` is who). */
  changes: Set<(revision: number, instance: string) => void>;
  tokens: Set<() => void>;
  /** After (re)connecting the LISTEN connection, and on the slow periodic tick: look for what was missed. */
  catchUp: Set<() => void>;
  errors: Set<(err: unknown) => void>;
}

/** One PostgreSQL database as the flag and token stores share it: a pool, one LISTEN connection, the schema. */
export type PostgresDatabase = Awaited<ReturnType<typeof openPostgresDatabase>>;

// bigint columns (revisions, milliseconds) as numbers: they stay far below 2^53.
const types = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
} as pg.CustomTypesConfig;

/**
 * Connects to the database a `postgres://` URL names, creates or migrates its schema (under an advisory lock) and
 * starts listening for other replicas' commits. Unreachable: UNAVAILABLE naming host, port and cause. Opened once
 * per store pair; `release` closes it when its last user is done.
 */
export async function openPostgresDatabase(url: string, options: PostgresDatabaseOptions = {}) {
  const config = postgresConfig(url);
  const { where } = config;
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    types,
  });
  // An idle connection that dies (server restart) is dropped by the pool; the next query gets a new one.
  pool.on("error", () => undefined);
  const listeners: Listeners = { changes: new Set(), tokens: new Set(), catchUp: new Set(), errors: new Set() };
  const instance = randomBytes(6).toString("hex");
  try {
    await migrate(pool, where);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err instanceof DomainError ? err : unreachable(where, err);
  }
  const listener = createPostgresListener({
    connectionString: config.connectionString,
    channels: [CHANGES_CHANNEL, TOKENS_CHANNEL],
    onNotification(channel, payload) {
      if (channel === TOKENS_CHANNEL) {
        for (const listen of listeners.tokens) listen();
        return;
      }
      const [from = "", revision = "0"] = payload.split(":");
      for (const listen of listeners.changes) listen(Number(revision), from);
    },
    onConnected: () => {
      for (const listen of listeners.catchUp) listen();
    },
    onError: (err) => {
      for (const listen of listeners.errors) listen(postgresError(where, err));
    },
  });
  try {
    await listener.start();
  } catch (err) {
    await listener.close();
    await pool.end().catch(() => undefined);
    throw unreachable(where, err);
  }
  const tick = setInterval(() => {
    listener.ping();
    for (const listen of listeners.catchUp) listen();
  }, options.catchUpIntervalMs ?? 5000);
  tick.unref();

  let users = 0;
  return {
    pool,
    /** `host:port`, for messages. */
    where,
    /** This process's id in change notifications: its own are not news to it. */
    instance,
    listeners,
    /** Whether the LISTEN connection is up. */
    get listening(): boolean {
      return listener.connected;
    },
    /** Runs `query` on a pooled connection; failures become DomainErrors (UNAVAILABLE when the database is gone). */
    async query<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
      try {
        return (await pool.query<R>(text, params)).rows;
      } catch (err) {
        throw postgresError(where, err);
      }
    },
    /** Counts one more store on this database. */
    retain(): void {
      users++;
    },
    /** Counts one store fewer; the last one closes the pool and the LISTEN connection. */
    async release(): Promise<void> {
      if (--users > 0) return;
      clearInterval(tick);
      await listener.close();
      await pool.end().catch(() => undefined);
    },
  };
}

/** Creates or migrates the schema, in one transaction under an advisory lock. */
async function migrate(pool: pg.Pool, where: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    const [{ present, tables }] = (
      await client.query<{ present: boolean; tables: number }>(
        `SELECT to_regclass('schema_version') IS NOT NULL AS present,
                (SELECT count(*)::int FROM pg_tables WHERE schemaname = current_schema()) AS tables`,
      )
    ).rows as [{ present: boolean; tables: number }];
    if (!present && tables > 0) {
      throw new DomainError(
        "FAILED_PRECONDITION",
        `the PostgreSQL database at ${where} is not a flagwire database (it has ${tables} tables but no schema_version): ` +
          `give flagwire a database of its own; nothing was changed`,
      );
    }
    if (!present) await client.query("CREATE TABLE schema_version (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL); INSERT INTO schema_version VALUES (1, 0)");
    const version = (await client.query<{ version: number }>("SELECT version FROM schema_version")).rows[0]?.version ?? 0;
    if (version > POSTGRES_MIGRATIONS.length) {
      throw new DomainError(
        "FAILED_PRECONDITION",
        `the PostgreSQL database at ${where} has schema version ${version}, newer than this flagwire understands ` +
          `(${POSTGRES_MIGRATIONS.length}): run the flagwire version that wrote it, or a newer one; nothing was changed`,
      );
    }
    for (let v = version; v < POSTGRES_MIGRATIONS.length; v++) await client.query(POSTGRES_MIGRATIONS[v] as string);
    await client.query("UPDATE schema_version SET version = $1", [POSTGRES_MIGRATIONS.length]);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
