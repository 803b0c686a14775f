import pg from "pg";
import { changeTarget, type Change, type ChangeData } from "../../domain/change.js";

/**
 * A SQL literal. Statements of one write are sent as one multi-statement text (one round trip for a whole group
 * commit, which bound parameters cannot do), so values are quoted here, by node-postgres's own escaping.
 */
export function literal(value: string | number | boolean | null): string {
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
    return String(value);
  }
  return pg.escapeLiteral(value);
}

const textArray = (values: readonly string[]): string => `ARRAY[${values.map(literal).join(", ")}]::text[]`;
const featureId = (name: string): string => `(SELECT id FROM features WHERE name = ${literal(name)})`;
const segmentId = (name: string): string => `(SELECT id FROM segments WHERE name = ${literal(name)})`;

/**
 * The statements that apply one change to the stored data, the same as SQLite's (src/store/sqlite/sqlite-store.ts):
 * `at` is the commit time the rows record.
 */
export function changeStatements(data: ChangeData, at: number): string[] {
  const t = literal(at);
  switch (data.kind) {
    case "feature.created":
      return [
        `INSERT INTO features (name, enabled, description, salt, created_at, updated_at) VALUES (${literal(data.feature)}, ${literal(data.enabled)}, ${literal(data.description)}, ${literal(data.salt)}, ${t}, ${t})`,
      ];
    case "feature.renamed":
      return [`UPDATE features SET name = ${literal(data.newName)}, updated_at = ${t} WHERE name = ${literal(data.feature)}`];
    case "feature.deleted":
      return [`DELETE FROM features WHERE name = ${literal(data.feature)}`];
    case "feature.enabled_set":
      return [`UPDATE features SET enabled = ${literal(data.enabled)}, updated_at = ${t} WHERE name = ${literal(data.feature)}`];
    case "customer.created":
      return [`INSERT INTO customers (id, created_at) VALUES (${literal(data.customerId)}, ${t})`];
    case "customer.deleted": {
      const id = literal(data.customerId);
      const usersOf = `(SELECT id FROM users WHERE customer_id = ${id})`;
      return [
        `DELETE FROM overrides WHERE target_kind = 'user' AND target_id IN ${usersOf}`,
        `DELETE FROM overrides WHERE target_kind = 'customer' AND target_id = ${id}`,
        `DELETE FROM segment_members WHERE member_kind = 'user' AND member_id IN ${usersOf}`,
        `DELETE FROM segment_members WHERE member_kind = 'customer' AND member_id = ${id}`,
        `DELETE FROM customers WHERE id = ${id}`, // its users go by ON DELETE CASCADE
      ];
    }
    case "user.created":
      return [`INSERT INTO users (id, customer_id, created_at) VALUES (${literal(data.userId)}, ${literal(data.customerId)}, ${t})`];
    case "user.deleted": {
      const id = literal(data.userId);
      return [
        `DELETE FROM overrides WHERE target_kind = 'user' AND target_id = ${id}`,
        `DELETE FROM segment_members WHERE member_kind = 'user' AND member_id = ${id}`,
        `DELETE FROM users WHERE id = ${id}`,
      ];
    }
    case "override.set":
      return [
        `INSERT INTO overrides (feature_id, target_kind, target_id, enabled) VALUES (${featureId(data.feature)}, ${literal(data.target.kind)}, ${literal(data.target.id)}, ${literal(data.enabled)})
         ON CONFLICT (feature_id, target_kind, target_id) DO UPDATE SET enabled = EXCLUDED.enabled`,
      ];
    case "override.cleared":
      return [
        `DELETE FROM overrides WHERE feature_id = ${featureId(data.feature)} AND target_kind = ${literal(data.target.kind)} AND target_id = ${literal(data.target.id)}`,
      ];
    case "rollout.set":
      return [
        `UPDATE features SET rollout_basis_points = ${literal(data.rollout.basisPoints)}, rollout_stickiness = ${literal(data.rollout.stickiness)}, updated_at = ${t} WHERE name = ${literal(data.feature)}`,
      ];
    case "rollout.cleared":
      return [`UPDATE features SET rollout_basis_points = NULL, rollout_stickiness = NULL, updated_at = ${t} WHERE name = ${literal(data.feature)}`];
    case "segment.created":
      return [`INSERT INTO segments (name, created_at) VALUES (${literal(data.segment)}, ${t})`];
    case "segment.renamed":
      return [`UPDATE segments SET name = ${literal(data.newName)} WHERE name = ${literal(data.segment)}`];
    case "segment.deleted":
      return [`DELETE FROM segments WHERE name = ${literal(data.segment)}`]; // members and rules go by ON DELETE CASCADE
    case "segment.members_added":
      return (["customer", "user"] as const)
        .map((kind) => [kind, kind === "customer" ? data.customerIds : data.userIds] as const)
        .filter(([, ids]) => ids.length > 0)
        .map(
          ([kind, ids]) =>
            `INSERT INTO segment_members (segment_id, member_kind, member_id) SELECT ${segmentId(data.segment)}, '${kind}', unnest(${textArray(ids)})`,
        );
    case "segment.members_removed":
      return (["customer", "user"] as const)
        .map((kind) => [kind, kind === "customer" ? data.customerIds : data.userIds] as const)
        .filter(([, ids]) => ids.length > 0)
        .map(
          ([kind, ids]) =>
            `DELETE FROM segment_members WHERE segment_id = ${segmentId(data.segment)} AND member_kind = '${kind}' AND member_id = ANY(${textArray(ids)})`,
        );
    case "segment_rule.set":
      return [
        `INSERT INTO segment_rules (feature_id, segment_id, enabled) VALUES (${featureId(data.feature)}, ${segmentId(data.segment)}, ${literal(data.enabled)})
         ON CONFLICT (feature_id, segment_id) DO UPDATE SET enabled = EXCLUDED.enabled`,
      ];
    case "segment_rule.cleared":
      return [`DELETE FROM segment_rules WHERE feature_id = ${featureId(data.feature)} AND segment_id = ${segmentId(data.segment)}`];
  }
}

/** The change-log row of a committed change. */
export function changeRowStatement(change: Change, data: ChangeData): string {
  const target = changeTarget(data);
  const feature = "feature" in data ? data.feature : null;
  return (
    "INSERT INTO changes (revision, at, actor, kind, feature, target_kind, target_id, data) VALUES (" +
    [change.revision, change.at, change.actor, data.kind, feature, target?.kind ?? null, target?.id ?? null].map(literal).join(", ") +
    `, ${literal(JSON.stringify(data))}::jsonb)`
  );
}
