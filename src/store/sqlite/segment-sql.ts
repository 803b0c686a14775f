import type Database from "better-sqlite3";
import type { ChangeData } from "../../domain/change.js";
import type { FeatureRecord, FlagState, SegmentRecord } from "../../domain/flag-state.js";

/** The statements that store segments, their members and their rules. */
export function prepareSegmentStatements(db: Database.Database) {
  const featureId = "(SELECT id FROM features WHERE name = ?)";
  const segmentId = "(SELECT id FROM segments WHERE name = ?)";
  return {
    segmentId: db.prepare("SELECT id FROM segments WHERE name = ?").pluck(),
    insertSegment: db.prepare("INSERT INTO segments (name, created_at) VALUES (?, ?)"),
    renameSegment: db.prepare("UPDATE segments SET name = ? WHERE name = ?"),
    deleteSegment: db.prepare("DELETE FROM segments WHERE name = ?"), // members and rules go by ON DELETE CASCADE
    insertMember: db.prepare("INSERT INTO segment_members (segment_id, member_kind, member_id) VALUES (?, ?, ?)"),
    deleteMember: db.prepare("DELETE FROM segment_members WHERE segment_id = ? AND member_kind = ? AND member_id = ?"),
    deleteMemberships: db.prepare("DELETE FROM segment_members WHERE member_kind = ? AND member_id = ?"),
    deleteCustomerUserMemberships: db.prepare(
      "DELETE FROM segment_members WHERE member_kind = 'user' AND member_id IN (SELECT id FROM users WHERE customer_id = ?)",
    ),
    upsertRule: db.prepare(
      `INSERT INTO segment_rules (feature_id, segment_id, enabled) VALUES (${featureId}, ${segmentId}, ?)
       ON CONFLICT (feature_id, segment_id) DO UPDATE SET enabled = excluded.enabled`,
    ),
    deleteRule: db.prepare(`DELETE FROM segment_rules WHERE feature_id = ${featureId} AND segment_id = ${segmentId}`),
    allSegments: db.prepare("SELECT id, name, created_at FROM segments").raw(),
    allMembers: db.prepare("SELECT segment_id, member_kind, member_id FROM segment_members").raw(),
    allRules: db.prepare("SELECT feature_id, segment_id, enabled FROM segment_rules").raw(),
  };
}

type SegmentStatements = ReturnType<typeof prepareSegmentStatements>;

/** Writes a segment change (segment.*, segment_rule.*); false for any other kind. */
export function applySegmentData(sql: SegmentStatements, data: ChangeData, at: number): boolean {
  switch (data.kind) {
    case "segment.created":
      sql.insertSegment.run(data.segment, at);
      return true;
    case "segment.renamed":
      sql.renameSegment.run(data.newName, data.segment);
      return true;
    case "segment.deleted":
      sql.deleteSegment.run(data.segment);
      return true;
    case "segment.members_added":
    case "segment.members_removed": {
      const id = sql.segmentId.get(data.segment) as number;
      const statement = data.kind === "segment.members_added" ? sql.insertMember : sql.deleteMember;
      for (const customerId of data.customerIds) statement.run(id, "customer", customerId);
      for (const userId of data.userIds) statement.run(id, "user", userId);
      return true;
    }
    case "segment_rule.set":
      sql.upsertRule.run(data.feature, data.segment, data.enabled ? 1 : 0);
      return true;
    case "segment_rule.cleared":
      sql.deleteRule.run(data.feature, data.segment);
      return true;
    default:
      return false;
  }
}

/** Reads segments, members and rules into `state`; `featureById` maps feature row ids to loaded features. */
export function loadSegments(sql: SegmentStatements, state: FlagState, featureById: Map<number, FeatureRecord>): void {
  const byId = new Map<number, SegmentRecord>();
  for (const [id, name, createdAt] of sql.allSegments.iterate() as Iterable<[number, string, number]>) {
    byId.set(id, state.addSegment(name, createdAt));
  }
  for (const [segmentId, kind, memberId] of sql.allMembers.iterate() as Iterable<[number, "customer" | "user", string]>) {
    const segment = byId.get(segmentId);
    if (segment) (kind === "customer" ? segment.customerIds : segment.userIds).add(memberId);
  }
  for (const [featureId, segmentId, enabled] of sql.allRules.iterate() as Iterable<[number, number, number]>) {
    const feature = featureById.get(featureId);
    const segment = byId.get(segmentId);
    if (feature && segment) state.setSegmentRule(feature, segment, enabled === 1);
  }
}
