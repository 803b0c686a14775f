import { describe, expect, it } from "vitest";
import { decide, evaluateFeature, type Reason } from "../../src/domain/evaluate.js";
import { FlagState } from "../../src/domain/flag-state.js";
import type { ChangeData } from "../../src/domain/change.js";

type Setting = boolean | undefined;
const SETTINGS: Setting[] = [undefined, true, false];

/** The expected outcome, written independently of `decide`: the most specific setting wins. */
function expected(global: boolean, customer: Setting, user: Setting): { enabled: boolean; reason: Reason } {
  if (user !== undefined) return { enabled: user, reason: "USER_OVERRIDE" };
  if (customer !== undefined) return { enabled: customer, reason: "CUSTOMER_OVERRIDE" };
  return { enabled: global, reason: "DEFAULT" };
}

const combinations = [true, false].flatMap((global) =>
  SETTINGS.flatMap((customer) => SETTINGS.map((user) => ({ global, customer, user }))),
);

describe("decide: precedence of user > customer > global", () => {
  it.each(combinations)("global=$global customer=$customer user=$user", ({ global, customer, user }) => {
    expect(decide(global, customer, user)).toEqual(expected(global, customer, user));
  });
});

function stateWith(...changes: ChangeData[]): FlagState {
  const state = new FlagState();
  changes.forEach((data, i) => state.apply({ ...data, revision: i + 1, at: 1000 + i, actor: null }));
  return state;
}

describe("evaluateFeature: which ids count", () => {
  // Customer 101 has user u1; the feature is set for the customer and for the user independently.
  const base: ChangeData[] = [
    { kind: "customer.created", customerId: "101" },
    { kind: "customer.created", customerId: "202" },
    { kind: "user.created", userId: "u1", customerId: "101" },
    { kind: "user.created", userId: "u2", customerId: null },
  ];
  const cases = combinations.flatMap(({ global, customer, user }) =>
    [
      { ctx: { customerId: "101", userId: "u1" }, sees: { customer, user } },
      { ctx: { userId: "u1" }, sees: { customer, user } }, // the user's own customer counts
      { ctx: { customerId: "101" }, sees: { customer, user: undefined } },
      { ctx: { customerId: "202", userId: "u1" }, sees: { customer: undefined, user } }, // the given customer wins
      { ctx: { userId: "u2" }, sees: { customer: undefined, user: undefined } },
      { ctx: { customerId: "nobody", userId: "ghost" }, sees: { customer: undefined, user: undefined } },
      { ctx: {}, sees: { customer: undefined, user: undefined } },
    ].map((c) => ({ global, customer, user, ...c })),
  );

  it.each(cases)("global=$global customer=$customer user=$user ctx=$ctx", ({ global, customer, user, ctx, sees }) => {
    const changes: ChangeData[] = [...base, { kind: "feature.created", feature: "f", enabled: global, description: "", salt: "s" }];
    if (customer !== undefined) {
      changes.push({ kind: "override.set", feature: "f", target: { kind: "customer", id: "101" }, enabled: customer });
    }
    if (user !== undefined) {
      changes.push({ kind: "override.set", feature: "f", target: { kind: "user", id: "u1" }, enabled: user });
    }
    const state = stateWith(...changes);
    const feature = state.features.get("f");
    if (!feature) throw new Error("feature missing");
    expect(evaluateFeature(state, feature, ctx)).toEqual(expected(global, sees.customer, sees.user));
  });
});
