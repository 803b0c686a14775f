import { describe, expect, it } from "vitest";
import type { ChangeData } from "../../../src/domain/change.js";
import { DomainError } from "../../../src/domain/domain-error.js";
import { FlagState } from "../../../src/domain/flag-state.js";
import { planChange } from "../../../src/domain/plan-change.js";

const state = new FlagState();
[
  { kind: "feature.created", feature: "dashboard", enabled: true, description: "", salt: "s" },
  { kind: "customer.created", customerId: "101" },
  { kind: "user.created", userId: "456", customerId: "101" },
  { kind: "override.set", feature: "dashboard", target: { kind: "customer", id: "101" }, enabled: false },
].forEach((data, i) => state.apply({ ...(data as ChangeData), revision: i + 1, at: 0, actor: null }));

describe("planChange: writes that change nothing append nothing", () => {
  it.each<ChangeData>([
    { kind: "feature.enabled_set", feature: "dashboard", enabled: true },
    { kind: "override.set", feature: "dashboard", target: { kind: "customer", id: "101" }, enabled: false },
    { kind: "override.cleared", feature: "dashboard", target: { kind: "user", id: "456" } },
    { kind: "feature.renamed", feature: "dashboard", newName: "dashboard" },
  ])("$kind", (data) => {
    expect(planChange(state, data)).toBeNull();
  });
});

describe("planChange: refused writes", () => {
  it.each<[ChangeData, string, RegExp]>([
    [{ kind: "feature.created", feature: "dashboard", enabled: false, description: "", salt: "s" }, "ALREADY_EXISTS", /feature "dashboard" already exists/],
    [{ kind: "feature.created", feature: "", enabled: false, description: "", salt: "s" }, "INVALID_ARGUMENT", /feature name is empty/],
    [{ kind: "feature.created", feature: "a b", enabled: false, description: "", salt: "s" }, "INVALID_ARGUMENT", /"a b" is invalid: use 1-128/],
    [{ kind: "feature.created", feature: "x".repeat(129), enabled: false, description: "", salt: "s" }, "INVALID_ARGUMENT", /129 characters/],
    [{ kind: "feature.enabled_set", feature: "nope", enabled: true }, "NOT_FOUND", /feature "nope" not found/],
    [{ kind: "customer.created", customerId: "101" }, "ALREADY_EXISTS", /customer "101" already exists/],
    [{ kind: "customer.created", customerId: "has space" }, "INVALID_ARGUMENT", /customer id "has space" is invalid/],
    [{ kind: "user.created", userId: "u9", customerId: "999" }, "NOT_FOUND", /customer "999" not found/],
    [{ kind: "user.created", userId: "456", customerId: null }, "ALREADY_EXISTS", /user "456" already exists/],
    [{ kind: "override.set", feature: "dashboard", target: { kind: "user", id: "ghost" }, enabled: true }, "NOT_FOUND", /user "ghost" not found/],
  ])("%j -> %s", (data, code, message) => {
    const error = (() => {
      try {
        planChange(state, data);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(code);
    expect((error as DomainError).message).toMatch(message);
  });

  it("accepts ids with the documented characters, UUIDs and emails", () => {
    for (const id of ["102", "3f2b8c1e-9a4d-4c1b-8e2f-0a1b2c3d4e5f", "a.b_c:d@e-f"]) {
      expect(planChange(state, { kind: "customer.created", customerId: id })).not.toBeNull();
    }
  });
});

describe("planChange: segments and rollouts", () => {
  const s = new FlagState();
  [
    { kind: "feature.created", feature: "dashboard", enabled: true, description: "", salt: "s" },
    { kind: "customer.created", customerId: "101" },
    { kind: "customer.created", customerId: "202" },
    { kind: "user.created", userId: "456", customerId: "101" },
    { kind: "segment.created", segment: "beta" },
    { kind: "segment.members_added", segment: "beta", customerIds: ["101"], userIds: [] },
    { kind: "segment_rule.set", feature: "dashboard", segment: "beta", enabled: true },
    { kind: "rollout.set", feature: "dashboard", rollout: { basisPoints: 2500, stickiness: "user" } },
  ].forEach((data, i) => s.apply({ ...(data as ChangeData), revision: i + 1, at: 0, actor: null }));
  const refusal = (data: ChangeData) => {
    try {
      planChange(s, data);
    } catch (err) {
      return { code: (err as DomainError).code, message: (err as DomainError).message };
    }
    return undefined;
  };
  const add = (customerIds: string[], userIds: string[] = []): ChangeData => ({ kind: "segment.members_added", segment: "beta", customerIds, userIds });

  it("keeps only the members that change, deduplicated and sorted; none left is a no-op", () => {
    expect(planChange(s, add(["202", "101", "202"], ["456"]))).toEqual(add(["202"], ["456"]));
    expect(planChange(s, add(["101"]))).toBeNull();
    expect(planChange(s, { kind: "segment.members_removed", segment: "beta", customerIds: ["202", "101"], userIds: ["456"] })).toEqual({
      kind: "segment.members_removed",
      segment: "beta",
      customerIds: ["101"],
      userIds: [],
    });
  });

  it("accepts exactly 10,000 ids and refuses 10,001, naming the limit", () => {
    const many = Array.from({ length: 10_000 }, () => "101");
    expect(planChange(s, add(many.slice(1), ["456"]))).toEqual(add([], ["456"]));
    expect(refusal(add(many, ["456"]))).toEqual({
      code: "INVALID_ARGUMENT",
      message: "10001 members in one call is too many: send at most 10000 customer and user ids per call, split over several calls",
    });
  });

  it.each<[ChangeData, string, RegExp]>([
    [add([]), "INVALID_ARGUMENT", /no members given: set customer_ids and\/or user_ids/],
    [add(["101", "bad id"]), "INVALID_ARGUMENT", /^customer_ids\[1\]: customer id "bad id" is invalid: use 1-128/],
    [add([], [""]), "INVALID_ARGUMENT", /^user_ids\[0\]: user id is empty/],
    [add(["x1", "101", "x2", "x1"]), "NOT_FOUND", /^2 customers not found: "x1", "x2"; create them first$/],
    [add(["101"], ["n1", "n2", "n3", "n4", "n5", "n6", "n7"]), "NOT_FOUND", /^7 users not found: "n1", "n2", "n3", "n4", "n5" and 2 more/],
    [{ kind: "segment.members_added", segment: "gamma", customerIds: ["101"], userIds: [] }, "NOT_FOUND", /segment "gamma" not found/],
    [{ kind: "segment.created", segment: "beta" }, "ALREADY_EXISTS", /segment "beta" already exists/],
    [{ kind: "segment.created", segment: "a b" }, "INVALID_ARGUMENT", /segment name "a b" is invalid/],
    [{ kind: "segment.renamed", segment: "beta", newName: "" }, "INVALID_ARGUMENT", /new segment name is empty/],
    [{ kind: "segment_rule.set", feature: "dashboard", segment: "gamma", enabled: true }, "NOT_FOUND", /segment "gamma" not found/],
    [{ kind: "segment_rule.set", feature: "nope", segment: "beta", enabled: true }, "NOT_FOUND", /feature "nope" not found/],
    [{ kind: "rollout.set", feature: "dashboard", rollout: { basisPoints: 10_001, stickiness: "user" } }, "INVALID_ARGUMENT", /basis_points 10001 is out of range: use 0-10000/],
    [{ kind: "rollout.set", feature: "dashboard", rollout: { basisPoints: -1, stickiness: "user" } }, "INVALID_ARGUMENT", /basis_points -1 is out of range/],
    [{ kind: "rollout.set", feature: "dashboard", rollout: { basisPoints: 12.5, stickiness: "user" } }, "INVALID_ARGUMENT", /basis_points 12.5 is out of range/],
  ])("%j -> %s", (data, code, message) => {
    expect(refusal(data)).toEqual({ code, message: expect.stringMatching(message) });
  });

  it.each<ChangeData>([
    { kind: "rollout.set", feature: "dashboard", rollout: { basisPoints: 2500, stickiness: "user" } },
    { kind: "segment_rule.set", feature: "dashboard", segment: "beta", enabled: true },
    { kind: "segment.renamed", segment: "beta", newName: "beta" },
  ])("no-op: $kind", (data) => {
    expect(planChange(s, data)).toBeNull();
  });

  it("rollout.cleared and segment_rule.cleared are no-ops when nothing is set", () => {
    const fresh = new FlagState();
    fresh.apply({ kind: "feature.created", feature: "f", enabled: false, description: "", salt: "s", revision: 1, at: 0, actor: null });
    fresh.apply({ kind: "segment.created", segment: "beta", revision: 2, at: 0, actor: null });
    expect(planChange(fresh, { kind: "rollout.cleared", feature: "f" })).toBeNull();
    expect(planChange(fresh, { kind: "segment_rule.cleared", feature: "f", segment: "beta" })).toBeNull();
  });
});
