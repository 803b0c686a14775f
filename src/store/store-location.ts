import { DomainError } from "../domain/domain-error.js";
import { checkDatabasePath } from "./sqlite/open-database.js";

/** Which backend a database URL names, and where. */
export type StoreLocation = { backend: "sqlite"; path: string } | { backend: "memory" };

/**
 * Reads a database URL: a plain path, `sqlite:<path>` or `sqlite:///abs/path` is a SQLite file; `memory:` an
 * in-memory database (tests; nothing is kept). `postgres://` is refused until that backend exists, and so is a
 * path SQLite would keep in memory or in a temporary file ("", `:memory:`, `file:`).
 */
export function parseStoreLocation(url: string, { allowMemory = false }: { allowMemory?: boolean } = {}): StoreLocation {
  if (/^memory:$/i.test(url)) {
    // Like SQLite's :memory:, a server on it would acknowledge writes it loses at exit: only tests ask for it.
    if (allowMemory) return { backend: "memory" };
    throw new DomainError("INVALID_ARGUMENT", `"memory:" keeps nothing once the process ends (it is for tests): give the path of a SQLite file, e.g. ./feature_flags.db`);
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    throw new DomainError("INVALID_ARGUMENT", `${JSON.stringify(redact(url))}: PostgreSQL is not supported yet; give the path of a SQLite file, e.g. ./feature_flags.db`);
  }
  const path = /^sqlite:/i.test(url) ? url.slice("sqlite:".length).replace(/^\/\//, "") : url;
  checkDatabasePath(path);
  return { backend: "sqlite", path };
}

/** A URL without the password it may carry, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^/@:]*):[^/@]*@/, "//$1:***@");
}
