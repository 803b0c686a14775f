import { describe, expect, it } from "vitest";
import type { ChangeData } from "../../../src/domain/change.js";
import { FlagState } from "../../../src/domain/flag-state.js";
import { SNAPSHOT_CHUNK_ENTRIES, applySnapshotChunk, captureSnapshot } from "../../../src/domain/snapshot.js";

function apply(state: FlagState, changes: ChangeData[]): FlagState {
  for (const data of changes) state.apply({ ...data, revision: state.revision + 1, at: 1000 + state.revision, actor: null });
  return state;
}

/** `customers` customers with a user each, 2 features, and an override per customer and per user. */
function fixture(customers: number): ChangeData[] {
  const changes: ChangeData[] = [
    { kind: "feature.created", feature: "a", enabled: false, description: "first", salt: "s" },
    { kind: "feature.created", feature: "b", enabled: true, description: "", salt: "s" },
  ];
  changes.push({ kind: "rollout.set", feature: "b", rollout: { basisPoints: 2_550, stickiness: "customer" } });
  changes.push({ kind: "segment.created", segment: "beta-testers" }, { kind: "segment.created", segment: "empty" });
  changes.push({ kind: "segment_rule.set", feature: "a", segment: "beta-testers", enabled: true });
  changes.push({ kind: "segment_rule.set", feature: "b", segment: "empty", enabled: false });
  for (let i = 0; i < customers; i++) {
    changes.push({ kind: "customer.created", customerId: `c${i}` });
    changes.push({ kind: "user.created", userId: `u${i}`, customerId: i % 2 ? `c${i}` : null });
    changes.push({ kind: "override.set", feature: "a", target: { kind: "customer", id: `c${i}` }, enabled: i % 3 === 0 });
    changes.push({ kind: "override.set", feature: "b", target: { kind: "user", id: `u${i}` }, enabled: false });
    if (i % 5 === 0) changes.push({ kind: "segment.members_added", segment: "beta-testers", customerIds: [`c${i}`], userIds: [`u${i}`] });
  }
  return changes;
}

/** What must survive a snapshot round trip, in a form that compares well. */
function essence(state: FlagState) {
  return {
    revision: state.revision,
    features: [...state.features.values()].map((f) => [
      f.name,
      f.enabled,
      f.description,
      f.salt,
      f.rollout,
      f.createdAt,
      [...f.customerOverrides],
      [...f.userOverrides],
      [...f.segmentRules].map(([segment, enabled]) => [segment.name, enabled]),
    ]),
    segments: [...state.segments.values()].map((s) => [s.name, s.createdAt, [...s.customerIds], [...s.userIds], [...s.ruleFeatures].map((f) => f.name), s.outcomes]),
    customers: [...state.customerIds.all],
    users: [...state.users.values()].map((u) => [u.id, u.customerId, u.createdAt, [...(state.customers.get(u.customerId ?? "")?.userIds ?? [])]]),
    indexes: [[...state.featureNames.all], [...state.userIds.all], [...state.segmentNames.all]],
  };
}

describe("snapshots", () => {
  it.each([0, 1, 249, 250, 251, 700])("round-trips a state with %i customers, chunk boundaries crossing every list", (customers) => {
    const state = apply(new FlagState(), fixture(customers));
    const chunks = [...captureSnapshot(state)];
    const entries = 2 + 2 + 2 + customers * 4 + 2 * Math.ceil(customers / 5);
    const count = Math.max(1, Math.ceil(entries / SNAPSHOT_CHUNK_ENTRIES));
    expect(chunks.map((c) => [c.index, c.last])).toEqual(Array.from({ length: count }, (_, i) => [i, i === count - 1]));
    for (const chunk of chunks) {
      const size = chunk.features.length + chunk.customerIds.length + chunk.users.length + chunk.overrides.length;
      expect(size).toBeLessThanOrEqual(SNAPSHOT_CHUNK_ENTRIES);
    }
    // Loaded into a state that held something else: index 0 starts afresh.
    const copy = apply(new FlagState(), [{ kind: "feature.created", feature: "stale", enabled: true, description: "", salt: "s" }]);
    for (const chunk of chunks) applySnapshotChunk(copy, chunk);
    expect(essence(copy)).toEqual(essence(state));
  });

  it("stays the state at capture time while the live state moves on", () => {
    const state = apply(new FlagState(), fixture(600));
    const before = essence(state);
    const chunks = captureSnapshot(state)[Symbol.iterator]();
    const first = chunks.next().value;
    apply(state, [
      { kind: "feature.deleted", feature: "a" },
      { kind: "customer.deleted", customerId: "c1" },
      { kind: "feature.renamed", feature: "b", newName: "b2" },
      { kind: "override.set", feature: "b2", target: { kind: "user", id: "u4" }, enabled: true },
      { kind: "segment.renamed", segment: "beta-testers", newName: "beta" },
      { kind: "segment.members_removed", segment: "beta", customerIds: ["c5"], userIds: [] },
      { kind: "segment.deleted", segment: "empty" },
    ]);
    const copy = new FlagState();
    applySnapshotChunk(copy, first!);
    for (let next = chunks.next(); !next.done; next = chunks.next()) applySnapshotChunk(copy, next.value);
    expect(essence(copy)).toEqual(before);
  });

  it("with a feature set, carries those features only, and every customer and user", () => {
    const state = apply(new FlagState(), fixture(10));
    const copy = new FlagState();
    for (const chunk of captureSnapshot(state, new Set(["b", "unknown"]))) applySnapshotChunk(copy, chunk);
    expect([...copy.features.keys()]).toEqual(["b"]);
    expect(copy.features.get("b")?.userOverrides.size).toBe(10);
    expect(copy.customers.size).toBe(10);
    expect(copy.users.size).toBe(10);
    expect([...copy.segments.keys()]).toEqual(["beta-testers", "empty"]);
    expect(copy.segments.get("beta-testers")?.customerIds.size).toBe(2);
    expect([...(copy.features.get("b")?.segmentRules.keys() ?? [])].map((s) => s.name)).toEqual(["empty"]);
  });
});
