import { DomainError } from "../domain/domain-error.js";
import { backupDatabase, restoreDatabase, type AuthState, type CopyResult } from "./sqlite/backup-database.js";
import { redactUrl } from "./postgres/postgres-config.js";
import { parseStoreLocation } from "./store-location.js";

export type { AuthState, CopyResult };

/** The SQLite file of a database URL; an in-memory database has none to copy. */
function sqlitePath(url: string, what: string): string {
  const location = parseStoreLocation(url);
  if (location.backend === "postgres") {
    throw new DomainError("INVALID_ARGUMENT", `${JSON.stringify(redactUrl(url))} is a PostgreSQL database: use PostgreSQL's own tools for it (pg_dump to back up, pg_restore to restore)`);
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
