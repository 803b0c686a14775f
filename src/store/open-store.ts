import { existsSync } from "node:fs";
import type { FlagStore } from "./flag-store.js";
import { createMemoryDatabase } from "./memory/memory-database.js";
import { openMemoryStore } from "./memory/memory-store.js";
import { openMemoryTokenStore } from "./memory/memory-token-store.js";
import { openPostgresDatabase, type PostgresDatabaseOptions } from "./postgres/postgres-database.js";
import { openPostgresStore } from "./postgres/postgres-store.js";
import { openPostgresTokenStore } from "./postgres/postgres-token-store.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";
import { openSqliteTokenStore } from "./sqlite/sqlite-token-store.js";
import { parseStoreLocation } from "./store-location.js";
import type { TokenStore } from "./token-store.js";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** How often SQLite looks whether another process committed; default 50 ms. */
  pollIntervalMs?: number | undefined;
  /** Accept `memory:` (tests only): refused by default, since nothing of it outlives the process. */
  allowMemory?: boolean | undefined;
  /** PostgreSQL only: pool size and the slow periodic catch-up. */
  postgres?: PostgresDatabaseOptions | undefined;
}

/** A database opened for flags and tokens; `close` closes both. */
export interface OpenedStore {
  flags: FlagStore;
  tokens: TokenStore;
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
    return paired(openMemoryStore({ database }), openMemoryTokenStore({ database }));
  }
  if (location.backend === "postgres") {
    // One pool and one LISTEN connection for both stores; closed with the second of them.
    const database = await openPostgresDatabase(location.url, options.postgres);
    return paired(openPostgresStore(database), openPostgresTokenStore(database));
  }
  const flags = openSqliteStore({ path: location.path, pollIntervalMs: options.pollIntervalMs });
  try {
    return paired(flags, openSqliteTokenStore({ path: location.path }));
  } catch (err) {
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

function paired(flags: FlagStore, tokens: TokenStore): OpenedStore {
  return {
    flags,
    tokens,
    async close() {
      await Promise.all([tokens.close(), flags.close()]);
    },
  };
}
