import { describe, expect, it } from "vitest";
import type { ChangeData } from "../../../src/domain/change.js";
import { FlagState } from "../../../src/domain/flag-state.js";

function stateWith(...changes: ChangeData[]): FlagState {
  const state = new FlagState();
  changes.forEach((data, i) => state.apply({ ...data, revision: i + 1, at: 1000 + i, actor: null }));
  return state;
}

const seeded: ChangeData[] = [
  { kind: "feature.created", feature: "a", enabled: false, description: "", salt: "s" },
  { kind: "feature.created", feature: "b", enabled: true, description: "", salt: "s" },
  { kind: "customer.created", customerId: "101" },
  { kind: "customer.created", customerId: "202" },
  { kind: "user.created", userId: "u1", customerId: "101" },
  { kind: "user.created", userId: "u2", customerId: "202" },
  { kind: "override.set", feature: "a", target: { kind: "customer", id: "101" }, enabled: true },
  { kind: "override.set", feature: "b", target: { kind: "customer", id: "202" }, enabled: false },
  { kind: "override.set", feature: "a", target: { kind: "user", id: "u1" }, enabled: false },
  { kind: "override.set", feature: "b", target: { kind: "user", id: "u2" }, enabled: true },
];

describe("FlagState.apply", () => {
  it("deleting a customer removes its overrides, its users and their overrides, nothing else", () => {
    const state = stateWith(...seeded, { kind: "customer.deleted", customerId: "101" });
    expect([...state.customers.keys()]).toEqual(["202"]);
    expect([...state.users.keys()]).toEqual(["u2"]);
    expect(state.customerIds.all).toEqual(["202"]);
    expect(state.userIds.all).toEqual(["u2"]);
    expect([...(state.features.get("a")?.customerOverrides.keys() ?? [])]).toEqual([]);
    expect([...(state.features.get("a")?.userOverrides.keys() ?? [])]).toEqual([]);
    expect([...(state.features.get("b")?.customerOverrides ?? [])]).toEqual([["202", false]]);
    expect([...(state.features.get("b")?.userOverrides ?? [])]).toEqual([["u2", true]]);
  });

  it("deleting a user removes its overrides and its link to the customer", () => {
    const state = stateWith(...seeded, { kind: "user.deleted", userId: "u1" });
    expect(state.users.has("u1")).toBe(false);
    expect([...(state.customers.get("101")?.userIds ?? [])]).toEqual([]);
    expect(state.features.get("a")?.userOverrides.size).toBe(0);
    expect(state.features.get("a")?.customerOverrides.get("101")).toBe(true);
  });

  it("renaming keeps overrides and re-sorts the name index", () => {
    const state = stateWith(...seeded, { kind: "feature.renamed", feature: "a", newName: "z" });
    expect(state.featureNames.all).toEqual(["b", "z"]);
    expect(state.features.get("z")?.customerOverrides.get("101")).toBe(true);
    expect(state.features.has("a")).toBe(false);
  });

  it("deleting a feature removes it and its overrides; the revision follows the last change", () => {
    const state = stateWith(...seeded, { kind: "feature.deleted", feature: "b" });
    expect(state.featureNames.all).toEqual(["a"]);
    expect(state.revision).toBe(seeded.length + 1);
  });

  it("clearing an override makes the target inherit again", () => {
    const state = stateWith(...seeded, {
      kind: "override.cleared",
      feature: "a",
      target: { kind: "customer", id: "101" },
    });
    expect(state.features.get("a")?.customerOverrides.has("101")).toBe(false);
  });
});

describe("FlagState.apply: segments", () => {
  const withSegments: ChangeData[] = [
    ...seeded,
    { kind: "segment.created", segment: "beta" },
    { kind: "segment.created", segment: "vip" },
    { kind: "segment.members_added", segment: "beta", customerIds: ["101", "202"], userIds: ["u1", "u2"] },
    { kind: "segment.members_added", segment: "vip", customerIds: ["101"], userIds: ["u1"] },
    { kind: "segment_rule.set", feature: "a", segment: "beta", enabled: true },
    { kind: "segment_rule.set", feature: "b", segment: "beta", enabled: false },
    { kind: "segment_rule.set", feature: "a", segment: "vip", enabled: false },
  ];
  const members = (state: FlagState) => [...state.segmentMemberships()].map(({ segment, member }) => `${segment}:${member.kind}:${member.id}`);
  const rules = (state: FlagState) => [...state.segmentRules()].map(({ feature, segment, enabled }) => `${feature}/${segment}=${enabled}`);

  it("lists memberships and rules in order", () => {
    const state = stateWith(...withSegments);
    expect(state.segmentNames.all).toEqual(["beta", "vip"]);
    expect(members(state)).toEqual(["beta:customer:101", "beta:customer:202", "beta:user:u1", "beta:user:u2", "vip:customer:101", "vip:user:u1"]);
    expect(rules(state)).toEqual(["a/beta=true", "a/vip=false", "b/beta=false"]);
  });

  it("deleting a customer removes its memberships and those of its users", () => {
    const state = stateWith(...withSegments, { kind: "customer.deleted", customerId: "101" });
    expect(members(state)).toEqual(["beta:customer:202", "beta:user:u2"]);
    expect(rules(state)).toEqual(["a/beta=true", "a/vip=false", "b/beta=false"]);
  });

  it("deleting a user removes its memberships only", () => {
    const state = stateWith(...withSegments, { kind: "user.deleted", userId: "u1" });
    expect(members(state)).toEqual(["beta:customer:101", "beta:customer:202", "beta:user:u2", "vip:customer:101"]);
  });

  it("deleting a segment removes its memberships and its rules", () => {
    const state = stateWith(...withSegments, { kind: "segment.deleted", segment: "beta" });
    expect(members(state)).toEqual(["vip:customer:101", "vip:user:u1"]);
    expect(rules(state)).toEqual(["a/vip=false"]);
    expect(state.features.get("b")?.segmentRules.size).toBe(0);
  });

  it("deleting a feature removes its segment rules", () => {
    const state = stateWith(...withSegments, { kind: "feature.deleted", feature: "a" });
    expect(rules(state)).toEqual(["b/beta=false"]);
    expect(state.segments.get("vip")?.ruleFeatures.size).toBe(0);
    expect(state.segments.get("beta")?.ruleFeatures.size).toBe(1);
  });

  it("renaming a segment keeps members and rules, and evaluation names the new name", () => {
    const state = stateWith(...withSegments, { kind: "segment.renamed", segment: "vip", newName: "gold" });
    expect(state.segmentNames.all).toEqual(["beta", "gold"]);
    expect(rules(state)).toEqual(["a/beta=true", "a/gold=false", "b/beta=false"]);
    expect(state.segments.get("gold")?.outcomes[0]).toMatchObject({ enabled: false, reason: "SEGMENT", segment: "gold" });
  });

  it("removing members and clearing rules", () => {
    const state = stateWith(
      ...withSegments,
      { kind: "segment.members_removed", segment: "beta", customerIds: ["202"], userIds: ["u1"] },
      { kind: "segment_rule.cleared", feature: "a", segment: "vip" },
    );
    expect(members(state)).toEqual(["beta:customer:101", "beta:user:u2", "vip:customer:101", "vip:user:u1"]);
    expect(rules(state)).toEqual(["a/beta=true", "b/beta=false"]);
  });

  it("a rollout is set and cleared; the salt stays", () => {
    const state = stateWith(...withSegments, { kind: "rollout.set", feature: "a", rollout: { basisPoints: 2500, stickiness: "customer" } });
    expect(state.features.get("a")).toMatchObject({ salt: "s", rollout: { basisPoints: 2500, stickiness: "customer" } });
    state.apply({ kind: "rollout.cleared", feature: "a", revision: state.revision + 1, at: 5000, actor: null });
    expect(state.features.get("a")).toMatchObject({ salt: "s", rollout: null, updatedAt: 5000 });
  });
});
