import { describe, expect, it } from "vitest";
import type { ChangeData } from "../../src/domain/change.js";
import { DomainError } from "../../src/domain/domain-error.js";
import { FlagState } from "../../src/domain/flag-state.js";
import { planChange } from "../../src/domain/plan-change.js";

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
