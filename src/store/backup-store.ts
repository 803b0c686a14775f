import { DomainError } from "../domain/domain-error.js";
import { backupDatabase, restoreDatabase, type AuthState, type CopyResult } from "./sqlite/backup-database.js";
import { redactUrl } from "./postgres/postgres-config.js";
import { parseStoreLocation } from "./store-location.js";

export type { AuthState, CopyResult };

/**
 * How to do with PostgreSQL's own tools what `flagwire backup`/`restore` do for a SQLite file: they copy a file,
 * and a PostgreSQL database is no file of ours (its replicas keep serving it; pg_dump takes a consistent snapshot).
 */
const POSTGRES_TOOLS = {
  "back up": "back it up with pg_dump, e.g. `pg_dump --format=custom --file=flags.dump \"$FLAGWIRE_DB\"`",
  "back up to": "write PostgreSQL backups with pg_dump, e.g. `pg_dump --format=custom --file=flags.dump \"$FLAGWIRE_DB\"`",
  restore:
    "stop its flagwire replicas, then restore it with pg_restore, e.g. `pg_restore --clean --if-exists --single-transaction --dbname=\"$FLAGWIRE_DB\" flags.dump`",
  "restore from": "a PostgreSQL database is restored with pg_restore from a pg_dump file, not with flagwire restore",
} as const;

/** The SQLite file of a database URL; an in-memory database has none to copy, a PostgreSQL one is pg_dump's job. */
function sqlitePath(url: string, what: keyof typeof POSTGRES_TOOLS): string {
  const location = parseStoreLocation(url);
  if (location.backend === "postgres") {
    const command = what.startsWith("back up") ? "backup" : "restore";
    throw new DomainError("FAILED_PRECONDITION", `${JSON.stringify(redactUrl(url))} is a PostgreSQL database: flagwire ${command} copies SQLite files only; ${POSTGRES_TOOLS[what]}`);
  }
  if (location.backend !== "sqlite") throw new DomainError("INVALID_ARGUMENT", `${JSON.stringify(url)} is an in-memory database: there is nothing to ${what}`);
  return location.path;
}

/** Writes a consistent copy of the database at `url` to the file `destination`, while servers keep serving it. */
export function backupStore(url: string, destination: string): CopyResult {
  // The destination first: its refusal comes first, as it always did.
  const to = sqlitePath(destination, "back up to");
  return backupDatabase(sqlitePath(url, "back up"), to);
}

/** Replaces the database at `url` with the backup file `backup`; no server may have it open. */
export function restoreStore(backup: string, url: string): ReturnType<typeof restoreDatabase> {
  const to = sqlitePath(url, "restore");
  return restoreDatabase(sqlitePath(backup, "restore from"), to);
}
