import { describe, expect, it } from "vitest";
import type { ChangeData } from "../../src/domain/change.js";
import { FlagState } from "../../src/domain/flag-state.js";

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
