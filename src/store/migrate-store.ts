import type { Change } from "../domain/change.js";
import { DomainError } from "../domain/domain-error.js";
import type { FlagReader } from "./flag-store.js";
import { openStore, storeExists } from "./open-store.js";
import { copyIntoPostgres, type CopyCounts } from "./postgres/copy-into-postgres.js";
import { redactUrl } from "./postgres/postgres-config.js";
import { openPostgresDatabase } from "./postgres/postgres-database.js";
import { postgresError } from "./postgres/postgres-error.js";
import { changeRows, stateRows, tokenRows, usageRows, type TableRows } from "./state-rows.js";
import { parseStoreLocation } from "./store-location.js";
import { USAGE_DAYS_KEPT, usageDay } from "./usage-store.js";

/** Changes read from the source per page while the copy runs. */
const PAGE = 20_000;

/** What {@link migrateStore} copied. */
export interface MigrateResult {
  /** The revision the target holds now: the source's latest. */
  revision: number;
  /** The oldest revision of the copied log (1 unless the source had pruned it). */
  firstRevision: number;
  /** Rows per table. */
  counts: CopyCounts;
}

/**
 * Copies a flagwire database (a SQLite file, or any store URL) into an empty PostgreSQL database: the state, the
 * tokens, the flag usage and the whole retained change log, revisions kept, in one transaction on the target. The
 * target's schema is created as a replica would create it; a target holding anything is refused with nothing written.
 *
 * @example
 * const { revision, counts } = await migrateStore("./feature_flags.db", "postgres://flagwire@db/flagwire");
 */
export async function migrateStore(from: string, to: string): Promise<MigrateResult> {
  const target = parseStoreLocation(to);
  if (target.backend !== "postgres") {
    throw new DomainError("INVALID_ARGUMENT", `--to ${JSON.stringify(to)} is not a PostgreSQL URL: give one like postgres://user@host:5432/dbname`);
  }
  if (parseStoreLocation(from).backend === "sqlite" && !storeExists(from)) {
    throw new DomainError("INVALID_ARGUMENT", `--from ${JSON.stringify(from)}: no database there: give the path of the SQLite file a flagwire server used (its --db)`);
  }
  const source = await openStore(from);
  try {
    // One read of the state fixes the revision; only the log up to it is copied, so both agree even if a server still writes.
    const state = await source.flags.loadState();
    const tokens = await source.tokens.readTokens();
    // Without its usage, every migrated feature would look never evaluated (stale) until it is evaluated again.
    const usage = await source.usage.readUsage(usageDay(Date.now()) - USAGE_DAYS_KEPT);
    const firstRevision = Math.min(await source.flags.firstRetainedRevision(), state.revision + 1);
    // Creating the schema is the backend's job, under its advisory lock, as a replica starting would.
    const database = await openPostgresDatabase(target.url, { poolSize: 1 });
    database.retain();
    try {
      const client = await database.pool.connect().catch((err: unknown) => {
        throw postgresError(database.where, err);
      });
      try {
        const counts = await copyIntoPostgres(
          client,
          {
            state: stateRows(state),
            tokens: tokenRows(tokens),
            usage: usageRows(state, usage),
            authEnabledAt: tokens.marked ? Math.min(Date.now(), ...tokens.tokens.map((t) => t.createdAt)) : null,
            changes: changePages(source.flags, firstRevision - 1, state.revision),
            revision: state.revision,
          },
          `the PostgreSQL database ${redactUrl(target.url)}`,
        );
        return { revision: state.revision, firstRevision, counts };
      } catch (err) {
        throw postgresError(database.where, err);
      } finally {
        client.release();
      }
    } finally {
      await database.release();
    }
  } finally {
    await source.close();
  }
}

/** The log after `after` through `through`, a page of rows at a time. */
async function* changePages(reader: FlagReader, after: number, through: number): AsyncGenerator<TableRows> {
  for (let next = after; next < through; ) {
    const page: Change[] = (await reader.readChanges(next, PAGE)).filter((c) => c.revision <= through);
    if (page.length === 0) return;
    yield changeRows(page);
    next = page[page.length - 1]?.revision ?? through;
  }
}
