import pg from "pg";

/** How to reach a PostgreSQL database, read from its URL and the libpq variables. */
export interface PostgresConfig {
  /** For node-postgres: the URL, with the libpq sslmode semantics made explicit. */
  connectionString: string;
  /** `host:port`, for messages (never the password). */
  where: string;
  /** The URL without its password, for messages and logs. */
  redacted: string;
}

/**
 * Reads a `postgres://` or `postgresql://` URL. What it leaves out comes from PGHOST, PGPORT, PGUSER, PGPASSWORD and
 * PGDATABASE (node-postgres reads them itself); `sslmode` from the URL, else PGSSLMODE, means what it means to
 * libpq: disable; require (encrypted, certificate not checked); verify-ca; verify-full. node-postgres cannot fall
 * back to plain text, so `allow` and `prefer` (libpq's default) connect without TLS, as with no sslmode at all.
 */
export function postgresConfig(url: string): PostgresConfig {
  const parsed = new URL(url);
  const sslmode = parsed.searchParams.get("sslmode") ?? process.env.PGSSLMODE ?? null;
  parsed.searchParams.delete("sslmode");
  if (sslmode === null || sslmode === "allow" || sslmode === "prefer" || sslmode === "disable") {
    // No TLS. node-postgres would otherwise read PGSSLMODE itself (and take "prefer" as "verify-full").
    parsed.searchParams.set("sslmode", "disable");
  } else {
    parsed.searchParams.set("sslmode", sslmode);
    parsed.searchParams.set("uselibpqcompat", "true");
  }
  const connectionString = parsed.toString();
  const probe = new pg.Client({ connectionString });
  return { connectionString, where: `${probe.host}:${probe.port}`, redacted: redactUrl(url) };
}

/** A database URL without the password it may carry (in its user info or a `password=` parameter). */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^/@:]*):[^/@]*@/, "//$1:***@").replace(/([?&]password=)[^&]*/i, "$1***");
}
