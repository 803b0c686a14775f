import { existsSync } from "node:fs";
import type { FlagStore } from "./flag-store.js";
import { createMemoryDatabase } from "./memory/memory-database.js";
import { openMemoryStore } from "./memory/memory-store.js";
import { openMemoryTokenStore } from "./memory/memory-token-store.js";
import { redactUrl } from "./postgres/postgres-config.js";
import { openPostgresDatabase, type PostgresDatabaseOptions } from "./postgres/postgres-database.js";
import { openPostgresStore } from "./postgres/postgres-store.js";
import { openPostgresUsageStore } from "./postgres/postgres-usage-store.js";
import { openPostgresTokenStore } from "./postgres/postgres-token-store.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";
import { openSqliteTokenStore } from "./sqlite/sqlite-token-store.js";
import { parseStoreLocation } from "./store-location.js";
import type { TokenStore } from "./token-store.js";
import type { UsageStore } from "./usage-store.js";
import { openMemoryUsageStore } from "./memory/memory-usage-store.js";
import { openSqliteUsageStore } from "./sqlite/sqlite-usage-store.js";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** How often SQLite looks whether another process committed; default 50 ms. */
  pollIntervalMs?: number | undefined;
  /** Accept `memory:` (tests only): refused by default, since nothing of it outlives the process. */
  allowMemory?: boolean | undefined;
  /** PostgreSQL only: pool size and the slow periodic catch-up. */
  postgres?: PostgresDatabaseOptions | undefined;
}

/** A database opened for flags, tokens and usage; `close` closes them all. */
export interface OpenedStore {
  flags: FlagStore;
  tokens: TokenStore;
  /** Aggregated flag usage (evaluation counts), shared by every process on the database. */
  usage: UsageStore;
  close(): Promise<void>;
}

/**
 * Opens the database a URL names (see {@link parseStoreLocation}), creating and migrating it as needed: its flag
 * store and its token store, on the same database. The only way the rest of flagwire opens storage.
 *
 * @example
 * const { flags, tokens, close } = await openStore("./feature_flags.db");
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const location = parseStoreLocation(url, { allowMemory: options.allowMemory === true });
  if (location.backend === "memory") {
    const database = createMemoryDatabase();
    return paired(openMemoryStore({ database }), openMemoryTokenStore({ database }), openMemoryUsageStore(database));
  }
  if (location.backend === "postgres") {
    // One pool and one LISTEN connection for the three stores; closed with the last of them.
    const database = await openPostgresDatabase(location.url, options.postgres);
    return paired(openPostgresStore(database), openPostgresTokenStore(database), openPostgresUsageStore(database));
  }
  const flags = openSqliteStore({ path: location.path, pollIntervalMs: options.pollIntervalMs });
  let tokens: TokenStore | undefined;
  try {
    // The flag store has just inspected the file (opening it read-write does): one quick_check, not three.
    tokens = openSqliteTokenStore({ path: location.path, inspected: true });
    return paired(flags, tokens, openSqliteUsageStore({ path: location.path, inspected: true }));
  } catch (err) {
    await tokens?.close();
    await flags.close();
    throw err;
  }
}

/** Opens only the tokens of a database: what `flagwire token` needs. */
export async function openTokenStore(url: string, options: Pick<OpenStoreOptions, "allowMemory"> = {}): Promise<TokenStore> {
  const location = parseStoreLocation(url, { allowMemory: options.allowMemory === true });
  if (location.backend === "memory") return openMemoryTokenStore();
  if (location.backend === "postgres") return openPostgresTokenStore(await openPostgresDatabase(location.url, { poolSize: 2 }));
  return openSqliteTokenStore({ path: location.path });
}

/**
 * Whether the database exists already (an in-memory one never does): one that does not holds no token. A PostgreSQL
 * database is taken to exist (its tokens are read at start, and the listen policy is checked again then).
 */
export function storeExists(url: string): boolean {
  const location = parseStoreLocation(url, { allowMemory: true });
  if (location.backend === "postgres") return true;
  return location.backend === "sqlite" && existsSync(location.path);
}

/** The database URL as messages and logs show it: without the password a PostgreSQL URL may carry. */
export function shownStoreUrl(url: string): string {
  return redactUrl(url);
}

function paired(flags: FlagStore, tokens: TokenStore, usage: UsageStore): OpenedStore {
  return {
    flags,
    tokens,
    usage,
    async close() {
      await Promise.all([usage.close(), tokens.close(), flags.close()]);
    },
  };
}
