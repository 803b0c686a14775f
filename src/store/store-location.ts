import { DomainError } from "../domain/domain-error.js";
import { redactUrl } from "./postgres/postgres-config.js";
import { checkDatabasePath } from "./sqlite/open-database.js";

/** Which backend a database URL names, and where. */
export type StoreLocation = { backend: "sqlite"; path: string } | { backend: "postgres"; url: string } | { backend: "memory" };

/**
 * Reads a database URL: a plain path, `sqlite:<path>` or `sqlite:///abs/path` is a SQLite file; `memory:` an
 * in-memory database (tests; nothing is kept); `postgres://` or `postgresql://` a PostgreSQL database (what the URL
 * leaves out comes from the libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE). A path
 * SQLite would keep in memory or in a temporary file ("", `:memory:`, `file:`) is refused.
 */
export function parseStoreLocation(url: string, { allowMemory = false }: { allowMemory?: boolean } = {}): StoreLocation {
  if (/^memory:$/i.test(url)) {
    // Like SQLite's :memory:, a server on it would acknowledge writes it loses at exit: only tests ask for it.
    if (allowMemory) return { backend: "memory" };
    throw new DomainError("INVALID_ARGUMENT", `"memory:" keeps nothing once the process ends (it is for tests): give the path of a SQLite file, e.g. ./feature_flags.db`);
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    checkPostgresUrl(url);
    return { backend: "postgres", url };
  }
  const path = /^sqlite:/i.test(url) ? url.slice("sqlite:".length).replace(/^\/\//, "") : url;
  checkDatabasePath(path);
  return { backend: "sqlite", path };
}

/** INVALID_ARGUMENT for a PostgreSQL URL that does not parse; the message never echoes its password. */
function checkPostgresUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DomainError(
      "INVALID_ARGUMENT",
      `${JSON.stringify(redactUrl(url))} is not a valid PostgreSQL URL: use postgres://user:password@host:5432/database (percent-encode special characters)`,
    );
  }
  const sslmode = parsed.searchParams.get("sslmode");
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    throw new DomainError("INVALID_ARGUMENT", `sslmode=${sslmode} is not a libpq sslmode: use one of ${SSL_MODES.join(", ")}`);
  }
}

const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];
