import type { Change, ChangeData } from "../domain/change.js";
import { changeTarget } from "../domain/change.js";
import type { FeatureRecord, FlagState, SegmentRecord } from "../domain/flag-state.js";
import type { TokenTable } from "./token-store.js";
import type { FeatureUsage } from "./usage-store.js";

/** A table's rows, column by column: what a bulk insert (one array per column) takes. */
export interface TableRows {
  table: string;
  columns: readonly string[];
  /** One array per column, all of one length. */
  values: unknown[][];
}

/**
 * The rows of every data table for a state, in the data model both backends share (ARCHITECTURE.md): features and
 * segments numbered 1.. here, and the rows that refer to them by those numbers. Booleans stay booleans; the writer
 * converts them to what its columns hold.
 */
export function stateRows(state: FlagState): TableRows[] {
  const featureIds = featureNumbers(state);
  const segmentIds = new Map<SegmentRecord, number>();
  const features = table("features", ["id", "name", "enabled", "description", "salt", "rollout_basis_points", "rollout_stickiness", "created_at", "updated_at"]);
  for (const [feature, id] of featureIds) {
    features.add(id, feature.name, feature.enabled, feature.description, feature.salt, feature.rollout?.basisPoints ?? null, feature.rollout?.stickiness ?? null, feature.createdAt, feature.updatedAt);
  }
  const customers = table("customers", ["id", "created_at"]);
  for (const customer of state.customers.values()) customers.add(customer.id, customer.createdAt);
  const users = table("users", ["id", "customer_id", "created_at"]);
  for (const user of state.users.values()) users.add(user.id, user.customerId, user.createdAt);
  const overrides = table("overrides", ["feature_id", "target_kind", "target_id", "enabled"]);
  for (const [feature, id] of featureIds) {
    for (const [customerId, enabled] of feature.customerOverrides) overrides.add(id, "customer", customerId, enabled);
    for (const [userId, enabled] of feature.userOverrides) overrides.add(id, "user", userId, enabled);
  }
  const segments = table("segments", ["id", "name", "created_at"]);
  const members = table("segment_members", ["segment_id", "member_kind", "member_id"]);
  for (const segment of state.segments.values()) {
    const id = segmentIds.size + 1;
    segmentIds.set(segment, id);
    segments.add(id, segment.name, segment.createdAt);
    for (const customerId of segment.customerIds) members.add(id, "customer", customerId);
    for (const userId of segment.userIds) members.add(id, "user", userId);
  }
  const rules = table("segment_rules", ["feature_id", "segment_id", "enabled"]);
  for (const [feature, id] of featureIds) {
    for (const [segment, enabled] of feature.segmentRules) rules.add(id, segmentIds.get(segment), enabled);
  }
  // Parents before children, for the foreign keys.
  return [features, customers, users, overrides, segments, members, rules].map((t) => t.rows);
}

/**
 * The usage tables' rows for `usage` (by feature name, as a usage store reads it), with the feature ids
 * {@link stateRows} gives the same state; a name the state does not hold is left out.
 */
export function usageRows(state: FlagState, usage: ReadonlyMap<string, FeatureUsage>): TableRows[] {
  const last = table("feature_usage", ["feature_id", "last_evaluated_at"]);
  const days = table("feature_usage_days", ["feature_id", "day", "evaluations"]);
  for (const [feature, id] of featureNumbers(state)) {
    const used = usage.get(feature.name);
    if (!used) continue;
    last.add(id, used.lastEvaluatedAt);
    for (const [day, evaluations] of used.days) days.add(id, day, evaluations);
  }
  return [last.rows, days.rows];
}

/** Features numbered 1.. in the state's order: the ids every table of one copy refers to them by. */
function featureNumbers(state: FlagState): Map<FeatureRecord, number> {
  const ids = new Map<FeatureRecord, number>();
  for (const feature of state.features.values()) ids.set(feature, ids.size + 1);
  return ids;
}

/** The tokens table's rows (hashes only, as stored). */
export function tokenRows(tokenTable: TokenTable): TableRows {
  const tokens = table("tokens", ["hash", "name", "role", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]);
  for (const t of tokenTable.tokens) tokens.add(t.hash, t.name, t.role, t.createdAt, t.createdBy, t.lastUsedAt, t.revokedAt, t.revokedBy);
  return tokens.rows;
}

/** Change-log rows, their revisions kept; `data` is the change's JSON as the log stores it (no revision, time or actor). */
export function changeRows(changes: readonly Change[]): TableRows {
  const log = table("changes", ["revision", "at", "actor", "kind", "feature", "target_kind", "target_id", "data"]);
  for (const change of changes) {
    const { revision, at, actor, ...data } = change;
    const target = changeTarget(data as ChangeData);
    log.add(revision, at, actor, data.kind, "feature" in data ? data.feature : null, target?.kind ?? null, target?.id ?? null, JSON.stringify(data));
  }
  return log.rows;
}

function table(name: string, columns: readonly string[]) {
  const rows: TableRows = { table: name, columns, values: columns.map(() => []) };
  return {
    rows,
    add(...values: unknown[]) {
      values.forEach((value, i) => rows.values[i]?.push(value));
    },
  };
}
