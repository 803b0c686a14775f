import type Database from "better-sqlite3";
import { changeTarget, legacySalt, type Change, type ChangeData, type Stickiness } from "../../domain/change.js";
import { FlagState, type FeatureRecord } from "../../domain/flag-state.js";
import type { FlagStore } from "../flag-store.js";
import { openDatabase } from "./open-database.js";
import { applySegmentData, loadSegments, prepareSegmentStatements } from "./segment-sql.js";
import { settle } from "./settle.js";
import { storageError } from "./storage-error.js";
import { watchDataVersion } from "./watch-data-version.js";

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Path of the database file, created on first open. */
  path: string;
  /** How often to look whether another connection committed (`PRAGMA data_version`); default 50 ms. */
  pollIntervalMs?: number | undefined;
}

type ChangeRow = { revision: number; at: number; actor: string | null; data: string };

/**
 * Opens (and creates or migrates) a SQLite database as a FlagStore.
 *
 * WAL mode with `synchronous=FULL`: a commit that returned is on disk. Every change writes the data and
 * its change-log row in one transaction, so the log replays to exactly the stored state. Several
 * processes may share the file: writes are serialized by SQLite's lock, and `onCommittedElsewhere` tells
 * when another one committed. Everything runs synchronously inside better-sqlite3; the promises only carry
 * the results.
 */
export function openSqliteStore(options: SqliteStoreOptions): FlagStore {
  const db = openDatabase(options.path);
  const sql = prepareStatements(db);
  /** Runs a read; a storage failure becomes UNAVAILABLE with a message that names the file. */
  const reading = <T>(read: () => T): T => {
    try {
      return read();
    } catch (err) {
      throw storageError(options.path, err);
    }
  };

  const applyData = (data: ChangeData): void => {
    switch (data.kind) {
      case "feature.created":
        sql.insertFeature.run(data.feature, data.enabled ? 1 : 0, data.description, data.salt, now(), now());
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
        sql.segments.deleteCustomerUserMemberships.run(data.customerId);
        sql.segments.deleteMemberships.run("customer", data.customerId);
        sql.deleteCustomer.run(data.customerId); // its users go by ON DELETE CASCADE
        return;
      case "user.created":
        sql.insertUser.run(data.userId, data.customerId, now());
        return;
      case "user.deleted":
        sql.deleteTargetOverrides.run("user", data.userId);
        sql.segments.deleteMemberships.run("user", data.userId);
        sql.deleteUser.run(data.userId);
        return;
      case "override.set":
        sql.upsertOverride.run(data.feature, data.target.kind, data.target.id, data.enabled ? 1 : 0);
        return;
      case "override.cleared":
        sql.deleteOverride.run(data.feature, data.target.kind, data.target.id);
        return;
      case "rollout.set":
        sql.setRollout.run(data.rollout.basisPoints, data.rollout.stickiness, now(), data.feature);
        return;
      case "rollout.cleared":
        sql.setRollout.run(null, null, now(), data.feature);
        return;
      default:
        applySegmentData(sql.segments, data, now());
    }
  };
  // `now` is the commit's time, set once per transaction so data and log agree.
  let commitTime = 0;
  const now = () => commitTime;

  // Inside the write transaction this runs as a SAVEPOINT: a change that fails halfway leaves nothing behind,
  // and the other changes of a group commit go on.
  const appendOne = db.transaction((data: ChangeData, actor: string | null, at: number): Change => {
    commitTime = at;
    applyData(data);
    const target = changeTarget(data);
    const feature = "feature" in data ? data.feature : null;
    const info = sql.insertChange.run(at, actor, data.kind, feature, target?.kind ?? null, target?.id ?? null, JSON.stringify(data));
    return { ...data, revision: Number(info.lastInsertRowid), at, actor };
  });
  const writer = {
    append(data: ChangeData, actor: string | null, at: number): Change {
      return appendOne(data, actor, at);
    },
  };
  const readAfter = (after: number): Change[] => (sql.readChanges.all(after, -1) as ChangeRow[]).map(toChange);
  const elsewhere = watchDataVersion(() => sql.dataVersion.get() as number, () => latestRevision(sql), options.pollIntervalMs ?? 50);

  return {
    write(after, fn) {
      try {
        // IMMEDIATE takes the write lock first, so the reads inside cannot be overtaken by another writer.
        return Promise.resolve(db.transaction(() => fn(readAfter(after), writer)).immediate());
      } catch (err) {
        return Promise.reject(storageError(options.path, err));
      }
    },
    onCommittedElsewhere: elsewhere.subscribe,
    loadState: () => settle(() => reading(() => loadState(db, sql))),
    readChanges: (afterRevision, limit) =>
      settle(() => reading(() => (sql.readChanges.all(afterRevision, limit) as ChangeRow[]).map(toChange))),
    latestRevision: () => settle(() => reading(() => latestRevision(sql))),
    firstRetainedRevision: () =>
      settle(() => reading(() => (sql.firstRevision.get() as number | undefined) ?? latestRevision(sql) + 1)),
    pruneChanges(policy, now) {
      return settle(() => {
        if (policy.revisions === undefined && policy.days === undefined) return 0;
        const latest = latestRevision(sql);
        // Never the latest change: the log's AUTOINCREMENT sequence keeps counting, but a reader needs one row to see where it stands.
        const throughRevision = latest - Math.max(1, policy.revisions ?? 1);
        const before = policy.days === undefined ? Number.MAX_SAFE_INTEGER : now - policy.days * 86_400_000;
        try {
          return db.transaction(() => sql.pruneChanges.run(throughRevision, before).changes).immediate();
        } catch (err) {
          throw storageError(options.path, err);
        }
      });
    },
    close() {
      elsewhere.stop();
      if (db.open) db.close();
      return Promise.resolve();
    },
  } satisfies FlagStore;
}

function prepareStatements(db: Database.Database) {
  const featureId = "(SELECT id FROM features WHERE name = ?)";
  return {
    insertFeature: db.prepare(
      "INSERT INTO features (name, enabled, description, salt, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    setRollout: db.prepare("UPDATE features SET rollout_basis_points = ?, rollout_stickiness = ?, updated_at = ? WHERE name = ?"),
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
    firstRevision: db.prepare("SELECT revision FROM changes ORDER BY revision LIMIT 1").pluck(),
    pruneChanges: db.prepare("DELETE FROM changes WHERE revision <= ? AND at < ?"),
    dataVersion: db.prepare("PRAGMA data_version").pluck(),
    allFeatures: db
      .prepare("SELECT id, name, enabled, description, salt, rollout_basis_points, rollout_stickiness, created_at, updated_at FROM features")
      .raw(),
    allCustomers: db.prepare("SELECT id, created_at FROM customers").raw(),
    allUsers: db.prepare("SELECT id, customer_id, created_at FROM users").raw(),
    allOverrides: db.prepare("SELECT feature_id, target_kind, target_id, enabled FROM overrides").raw(),
    segments: prepareSegmentStatements(db),
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
    const byId = new Map<number, FeatureRecord>();
    for (const [id, name, enabled, description, salt, basisPoints, stickiness, createdAt, updatedAt] of sql.allFeatures.iterate() as Iterable<
      [number, string, number, string, string, number | null, Stickiness | null, number, number]
    >) {
      const rollout = basisPoints === null || stickiness === null ? null : { basisPoints, stickiness };
      byId.set(id, state.addFeature({ name, enabled: enabled === 1, description, salt, rollout, createdAt, updatedAt }));
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
      const feature = byId.get(featureId);
      if (!feature) continue;
      (kind === "customer" ? feature.customerOverrides : feature.userOverrides).set(targetId, enabled === 1);
    }
    loadSegments(sql.segments, state, byId);
    state.reindex();
    state.revision = latestRevision(sql);
    return state;
  })();
}

function toChange(row: ChangeRow): Change {
  const data = JSON.parse(row.data) as ChangeData;
  // A feature created before salts existed: the salt the schema migration gave it.
  if (data.kind === "feature.created" && data.salt === undefined) data.salt = legacySalt(row.at);
  return { ...data, revision: row.revision, at: row.at, actor: row.actor };
}
