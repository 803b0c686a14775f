import Database from "better-sqlite3";
import { changeTarget, type Change, type ChangeData } from "../../domain/change.js";
import { DomainError } from "../../domain/domain-error.js";
import { FlagState } from "../../domain/flag-state.js";
import type { FlagStore } from "../flag-store.js";
import { MIGRATIONS } from "./migrations.js";

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Path of the database file, created on first open; `:memory:` for a throw-away database. */
  path: string;
}

type ChangeRow = { revision: number; at: number; actor: string | null; data: string };

/**
 * Opens (and creates or migrates) a SQLite database as a FlagStore.
 *
 * WAL mode with `synchronous=FULL`: a commit that returned is on disk. Every change writes the data and
 * its change-log row in one transaction, so the log replays to exactly the stored state. Several
 * processes may share the file: writes are serialized by SQLite's lock, and `changedElsewhere` tells
 * when another one committed.
 */
export function openSqliteStore(options: SqliteStoreOptions): FlagStore {
  const db = openDatabase(options.path);
  const sql = prepareStatements(db);

  const applyData = (data: ChangeData): void => {
    switch (data.kind) {
      case "feature.created":
        sql.insertFeature.run(data.feature, data.enabled ? 1 : 0, data.description, now(), now());
        return;
      case "feature.renamed":
        sql.renameFeature.run(data.newName, now(), data.feature);
        return;
      case "feature.deleted":
        sql.deleteFeature.run(data.feature);
        return;
      case "feature.enabled_set":
        sql.setFeatureEnabled.run(data.enabled ? 1 : 0, now(), data.feature);
        return;
      case "customer.created":
        sql.insertCustomer.run(data.customerId, now());
        return;
      case "customer.deleted":
        sql.deleteCustomerUserOverrides.run(data.customerId);
        sql.deleteTargetOverrides.run("customer", data.customerId);
        sql.deleteCustomer.run(data.customerId); // its users go by ON DELETE CASCADE
        return;
      case "user.created":
        sql.insertUser.run(data.userId, data.customerId, now());
        return;
      case "user.deleted":
        sql.deleteTargetOverrides.run("user", data.userId);
        sql.deleteUser.run(data.userId);
        return;
      case "override.set":
        sql.upsertOverride.run(data.feature, data.target.kind, data.target.id, data.enabled ? 1 : 0);
        return;
      case "override.cleared":
        sql.deleteOverride.run(data.feature, data.target.kind, data.target.id);
        return;
    }
  };
  // `now` is the commit's time, set once per transaction so data and log agree.
  let commitTime = 0;
  const now = () => commitTime;

  const writer = {
    append(data: ChangeData, actor: string | null, at: number): Change {
      commitTime = at;
      applyData(data);
      const target = changeTarget(data);
      const feature = "feature" in data ? data.feature : null;
      const info = sql.insertChange.run(at, actor, data.kind, feature, target?.kind ?? null, target?.id ?? null, JSON.stringify(data));
      return { ...data, revision: Number(info.lastInsertRowid), at, actor };
    },
  };
  let dataVersion = sql.dataVersion.get() as number;

  return {
    write(fn) {
      try {
        // IMMEDIATE takes the write lock first, so the reads inside `fn` cannot be overtaken by another writer.
        return db.transaction(() => fn(writer)).immediate();
      } catch (err) {
        throw toDomainError(err);
      }
    },
    changedElsewhere() {
      const version = sql.dataVersion.get() as number;
      if (version === dataVersion) return false;
      dataVersion = version;
      return true;
    },
    loadState: () => loadState(db, sql),
    readChanges(afterRevision, limit) {
      return (sql.readChanges.all(afterRevision, limit) as ChangeRow[]).map(toChange);
    },
    latestRevision: () => latestRevision(sql),
    close() {
      if (db.open) db.close();
    },
  } satisfies FlagStore;
}

/** Opens a connection to the database file in WAL mode, creating and migrating it as needed. */
export function openDatabase(path: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (err) {
    throw new DomainError("UNAVAILABLE", `cannot open database ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db, path);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof DomainError) throw err;
    throw new DomainError("UNAVAILABLE", `cannot use database ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
}

function migrate(db: Database.Database, path: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new DomainError(
      "FAILED_PRECONDITION",
      `database ${JSON.stringify(path)} has schema version ${version}, newer than this flagwire understands (${MIGRATIONS.length}): upgrade flagwire`,
    );
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

function prepareStatements(db: Database.Database) {
  const featureId = "(SELECT id FROM features WHERE name = ?)";
  return {
    insertFeature: db.prepare(
      "INSERT INTO features (name, enabled, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
    ),
    renameFeature: db.prepare("UPDATE features SET name = ?, updated_at = ? WHERE name = ?"),
    deleteFeature: db.prepare("DELETE FROM features WHERE name = ?"),
    setFeatureEnabled: db.prepare("UPDATE features SET enabled = ?, updated_at = ? WHERE name = ?"),
    insertCustomer: db.prepare("INSERT INTO customers (id, created_at) VALUES (?, ?)"),
    deleteCustomer: db.prepare("DELETE FROM customers WHERE id = ?"),
    deleteCustomerUserOverrides: db.prepare(
      "DELETE FROM overrides WHERE target_kind = 'user' AND target_id IN (SELECT id FROM users WHERE customer_id = ?)",
    ),
    insertUser: db.prepare("INSERT INTO users (id, customer_id, created_at) VALUES (?, ?, ?)"),
    deleteUser: db.prepare("DELETE FROM users WHERE id = ?"),
    deleteTargetOverrides: db.prepare("DELETE FROM overrides WHERE target_kind = ? AND target_id = ?"),
    upsertOverride: db.prepare(
      `INSERT INTO overrides (feature_id, target_kind, target_id, enabled) VALUES (${featureId}, ?, ?, ?)
       ON CONFLICT (feature_id, target_kind, target_id) DO UPDATE SET enabled = excluded.enabled`,
    ),
    deleteOverride: db.prepare(
      `DELETE FROM overrides WHERE feature_id = ${featureId} AND target_kind = ? AND target_id = ?`,
    ),
    insertChange: db.prepare(
      "INSERT INTO changes (at, actor, kind, feature, target_kind, target_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    readChanges: db.prepare(
      "SELECT revision, at, actor, data FROM changes WHERE revision > ? ORDER BY revision LIMIT ?",
    ),
    latestRevision: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").pluck(),
    dataVersion: db.prepare("PRAGMA data_version").pluck(),
    allFeatures: db.prepare("SELECT id, name, enabled, description, created_at, updated_at FROM features").raw(),
    allCustomers: db.prepare("SELECT id, created_at FROM customers").raw(),
    allUsers: db.prepare("SELECT id, customer_id, created_at FROM users").raw(),
    allOverrides: db.prepare("SELECT feature_id, target_kind, target_id, enabled FROM overrides").raw(),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function latestRevision(sql: Statements): number {
  return Number(sql.latestRevision.get() ?? 0);
}

/** Reads every table into a FlagState, in one read transaction so the state matches one revision. */
function loadState(db: Database.Database, sql: Statements): FlagState {
  return db.transaction(() => {
    const state = new FlagState();
    const byId = new Map<number, string>();
    for (const [id, name, enabled, description, createdAt, updatedAt] of sql.allFeatures.iterate() as Iterable<
      [number, string, number, string, number, number]
    >) {
      byId.set(id, name);
      state.features.set(name, {
        name,
        enabled: enabled === 1,
        description,
        createdAt,
        updatedAt,
        customerOverrides: new Map(),
        userOverrides: new Map(),
      });
    }
    for (const [id, createdAt] of sql.allCustomers.iterate() as Iterable<[string, number]>) {
      state.customers.set(id, { id, createdAt, userIds: new Set() });
    }
    for (const [id, customerId, createdAt] of sql.allUsers.iterate() as Iterable<[string, string | null, number]>) {
      state.addUser({ id, customerId, createdAt });
    }
    for (const [featureId, kind, targetId, enabled] of sql.allOverrides.iterate() as Iterable<
      [number, "customer" | "user", string, number]
    >) {
      const feature = state.features.get(byId.get(featureId) as string);
      if (!feature) continue;
      (kind === "customer" ? feature.customerOverrides : feature.userOverrides).set(targetId, enabled === 1);
    }
    state.reindex();
    state.revision = latestRevision(sql);
    return state;
  })();
}

function toChange(row: ChangeRow): Change {
  return { ...(JSON.parse(row.data) as ChangeData), revision: row.revision, at: row.at, actor: row.actor };
}

/**
 * Domain errors pass through. A constraint violation means the stored data disagrees with what was
 * checked (a database edited by hand); anything else is storage that cannot be used right now.
 */
function toDomainError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const code = (err as { code?: string }).code ?? "";
  const message = (err as Error).message;
  if (code.startsWith("SQLITE_CONSTRAINT")) {
    return new DomainError("FAILED_PRECONDITION", `the change conflicts with the stored data: ${message}`);
  }
  return new DomainError("UNAVAILABLE", `storage error: ${message}`);
}
