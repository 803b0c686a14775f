import type pg from "pg";
import type { Stickiness } from "../../domain/change.js";
import { FlagState, type FeatureRecord, type SegmentRecord } from "../../domain/flag-state.js";

type Row = unknown[];

/**
 * Reads every table into a FlagState in one REPEATABLE READ transaction, so that the state is the one of a single
 * revision (the clock row's, read in the same snapshot). Rows come as arrays, the cheapest shape for a large load.
 */
export async function loadPostgresState(client: pg.PoolClient): Promise<FlagState> {
  const all = async (text: string): Promise<Row[]> => (await client.query<Row>({ text, rowMode: "array" })).rows;
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    const state = new FlagState();
    const features = new Map<number, FeatureRecord>();
    const rows = await all(
      "SELECT id, name, enabled, description, salt, rollout_basis_points, rollout_stickiness, created_at, updated_at FROM features",
    );
    for (const [id, name, enabled, description, salt, basisPoints, stickiness, createdAt, updatedAt] of rows as [
      number, string, boolean, string, string, number | null, Stickiness | null, number, number,
    ][]) {
      const rollout = basisPoints === null || stickiness === null ? null : { basisPoints, stickiness };
      features.set(id, state.addFeature({ name, enabled, description, salt, rollout, createdAt, updatedAt }));
    }
    for (const [id, createdAt] of (await all("SELECT id, created_at FROM customers")) as [string, number][]) {
      state.customers.set(id, { id, createdAt, userIds: new Set() });
    }
    for (const [id, customerId, createdAt] of (await all("SELECT id, customer_id, created_at FROM users")) as [string, string | null, number][]) {
      state.addUser({ id, customerId, createdAt });
    }
    const overrides = await all("SELECT feature_id, target_kind, target_id, enabled FROM overrides");
    for (const [featureId, kind, targetId, enabled] of overrides as [number, "customer" | "user", string, boolean][]) {
      const feature = features.get(featureId);
      if (feature) (kind === "customer" ? feature.customerOverrides : feature.userOverrides).set(targetId, enabled);
    }
    const segments = new Map<number, SegmentRecord>();
    for (const [id, name, createdAt] of (await all("SELECT id, name, created_at FROM segments")) as [number, string, number][]) {
      segments.set(id, state.addSegment(name, createdAt));
    }
    const members = await all("SELECT segment_id, member_kind, member_id FROM segment_members");
    for (const [segmentId, kind, memberId] of members as [number, "customer" | "user", string][]) {
      const segment = segments.get(segmentId);
      if (segment) (kind === "customer" ? segment.customerIds : segment.userIds).add(memberId);
    }
    for (const [featureId, segmentId, enabled] of (await all("SELECT feature_id, segment_id, enabled FROM segment_rules")) as [
      number, number, boolean,
    ][]) {
      const feature = features.get(featureId);
      const segment = segments.get(segmentId);
      if (feature && segment) state.setSegmentRule(feature, segment, enabled);
    }
    state.reindex();
    state.revision = Number((await all("SELECT revision FROM clock WHERE id = 1"))[0]?.[0] ?? 0);
    await client.query("COMMIT");
    return state;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}
