import { describe, expect, it } from "vitest";
import {
  decide,
  evaluateFeature,
  evaluateForCustomer,
  segmentOutcomes,
  type Evaluation,
  type EvaluationContext,
  type Reason,
  type RolloutVerdict,
} from "../../../src/domain/evaluate.js";
import { FlagState, type FeatureRecord } from "../../../src/domain/flag-state.js";
import { bucketOf } from "../../../src/domain/rollout.js";
import type { ChangeData } from "../../../src/domain/change.js";

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

// Segments and rollouts: the full precedence table, user > customer > segment > rollout > global.

type SegmentSetting = "none" | "on" | "off";
const SEGMENT_SETTINGS: SegmentSetting[] = ["none", "on", "off"];
const ROLLOUTS: RolloutVerdict[] = ["none", "inside", "outside", "no_stickiness_id"];
const segmentRule = { on: segmentOutcomes("beta")[1], off: segmentOutcomes("beta")[0], none: undefined };

/** Written independently of `decide`: the most specific rule that applies wins. */
function expectedFull(global: boolean, customer: Setting, user: Setting, segment: SegmentSetting, rollout: RolloutVerdict): Evaluation {
  if (user !== undefined) return { enabled: user, reason: "USER_OVERRIDE", segment: undefined };
  if (customer !== undefined) return { enabled: customer, reason: "CUSTOMER_OVERRIDE", segment: undefined };
  if (segment !== "none") return { enabled: segment === "on", reason: "SEGMENT", segment: "beta" };
  if (rollout === "inside") return { enabled: true, reason: "ROLLOUT", segment: undefined };
  if (rollout === "no_stickiness_id") return { enabled: global, reason: "DEFAULT_NO_STICKINESS_ID", segment: undefined };
  return { enabled: global, reason: "DEFAULT", segment: undefined };
}

const fullTable = combinations.flatMap(({ global, customer, user }) =>
  SEGMENT_SETTINGS.flatMap((segment) => ROLLOUTS.map((rollout) => ({ global, customer, user, segment, rollout }))),
);

describe("decide: the full precedence table with segments and rollouts", () => {
  it.each(fullTable)("global=$global customer=$customer user=$user segment=$segment rollout=$rollout", (row) => {
    const { global, customer, user, segment, rollout } = row;
    expect(decide(global, customer, user, segmentRule[segment], rollout)).toEqual(expectedFull(global, customer, user, segment, rollout));
  });
});

describe("evaluateFeature with segments and rollouts", () => {
  const SALT = "f00dfeedcafebeef";
  /** Ids inside and outside a 50% rollout with SALT, found with the (separately tested) bucketing. */
  const find = (prefix: string, inside: boolean) => {
    for (let i = 0; ; i++) if (bucketOf(SALT, `${prefix}${i}`) < 5000 === inside) return `${prefix}${i}`;
  };
  const cIn = find("c-in-", true);
  const cOut = find("c-out-", false);
  const uIn = find("u-in-", true);
  const uOut = find("u-out-", false);

  const base: ChangeData[] = [
    { kind: "feature.created", feature: "f", enabled: false, description: "", salt: SALT },
    ...[cIn, cOut, "acme", "solo"].map((customerId): ChangeData => ({ kind: "customer.created", customerId })),
    { kind: "user.created", userId: uIn, customerId: cOut },
    { kind: "user.created", userId: uOut, customerId: cIn },
    { kind: "user.created", userId: "ann", customerId: "acme" },
    { kind: "segment.created", segment: "beta" },
    { kind: "segment.created", segment: "alpha" },
    { kind: "segment.created", segment: "zeta" },
    { kind: "segment.created", segment: "blocked" },
    { kind: "segment.members_added", segment: "beta", customerIds: ["acme"], userIds: [] },
    { kind: "segment.members_added", segment: "alpha", customerIds: [], userIds: ["ann"] },
    { kind: "segment.members_added", segment: "zeta", customerIds: ["acme"], userIds: [] },
    { kind: "segment.members_added", segment: "blocked", customerIds: [], userIds: ["ann"] },
  ];
  const rules = (...r: [string, boolean][]): ChangeData[] =>
    r.map(([segment, enabled]) => ({ kind: "segment_rule.set", feature: "f", segment, enabled }));
  const rollout = (stickiness: "user" | "customer"): ChangeData[] => [{ kind: "rollout.set", feature: "f", rollout: { basisPoints: 5000, stickiness } }];
  const outcome = (enabled: boolean, reason: Reason, segment?: string): Evaluation => ({ enabled, reason, segment });

  it.each<[string, ChangeData[], EvaluationContext, Evaluation]>([
    ["a customer's segment applies to its users", rules(["beta", true]), { userId: "ann" }, outcome(true, "SEGMENT", "beta")],
    ["a user's own segment applies", rules(["alpha", true]), { userId: "ann" }, outcome(true, "SEGMENT", "alpha")],
    ["conflicting segments: disabled wins and is named", rules(["beta", true], ["blocked", false]), { userId: "ann" }, outcome(false, "SEGMENT", "blocked")],
    ["conflict regardless of the order rules were set", rules(["blocked", false], ["beta", true]), { userId: "ann" }, outcome(false, "SEGMENT", "blocked")],
    ["agreeing segments: the smallest name is named", rules(["zeta", true], ["beta", true], ["alpha", true]), { userId: "ann" }, outcome(true, "SEGMENT", "alpha")],
    ["a segment rule beats a rollout", [...rules(["beta", false]), ...rollout("customer")], { customerId: "acme" }, outcome(false, "SEGMENT", "beta")],
    ["a customer override beats a segment", [...rules(["beta", true]), { kind: "override.set", feature: "f", target: { kind: "customer", id: "acme" }, enabled: false }], { userId: "ann" }, outcome(false, "CUSTOMER_OVERRIDE")],
    ["not a member: no segment rule", rules(["beta", true]), { customerId: "solo" }, outcome(false, "DEFAULT")],
    ["by user, inside", rollout("user"), { userId: uIn }, outcome(true, "ROLLOUT")],
    ["by user, outside: the global value", rollout("user"), { userId: uOut }, outcome(false, "DEFAULT")],
    ["by user, unknown user ids bucket too", rollout("user"), { userId: "ghost", customerId: cIn }, outcome(bucketOf(SALT, "ghost") < 5000, bucketOf(SALT, "ghost") < 5000 ? "ROLLOUT" : "DEFAULT")],
    ["by user, no user id", rollout("user"), { customerId: cIn }, outcome(false, "DEFAULT_NO_STICKINESS_ID")],
    ["by customer, the given customer", rollout("customer"), { customerId: cIn, userId: uIn }, outcome(true, "ROLLOUT")],
    ["by customer, outside", rollout("customer"), { customerId: cOut, userId: uIn }, outcome(false, "DEFAULT")],
    ["by customer, the user's own customer", rollout("customer"), { userId: uOut }, outcome(true, "ROLLOUT")],
    ["by customer, no customer at all", rollout("customer"), { userId: "nobody" }, outcome(false, "DEFAULT_NO_STICKINESS_ID")],
    ["by customer, empty context", rollout("customer"), {}, outcome(false, "DEFAULT_NO_STICKINESS_ID")],
  ])("%s", (_, changes, context, expected) => {
    const state = stateWith(...base, ...changes);
    expect(evaluateFeature(state, state.features.get("f") as FeatureRecord, context)).toEqual(expected);
  });

  it("with the global value on, contexts outside the rollout or without the id get it on", () => {
    const state = stateWith(...base, { kind: "feature.enabled_set", feature: "f", enabled: true }, ...rollout("user"));
    const feature = state.features.get("f") as FeatureRecord;
    expect(evaluateFeature(state, feature, { userId: uOut })).toEqual(outcome(true, "DEFAULT"));
    expect(evaluateFeature(state, feature, {})).toEqual(outcome(true, "DEFAULT_NO_STICKINESS_ID"));
  });

  it("at customer level a by-customer rollout applies and a by-user one cannot", () => {
    const byCustomer = stateWith(...base, ...rollout("customer")).features.get("f") as FeatureRecord;
    expect(evaluateForCustomer(byCustomer, cIn)).toEqual(outcome(true, "ROLLOUT"));
    expect(evaluateForCustomer(byCustomer, cOut)).toEqual(outcome(false, "DEFAULT"));
    const byUser = stateWith(...base, ...rollout("user")).features.get("f") as FeatureRecord;
    expect(evaluateForCustomer(byUser, cIn)).toEqual(outcome(false, "DEFAULT_NO_STICKINESS_ID"));
  });

  it("renaming the feature re-buckets nobody", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const state = stateWith(...base, ...rollout("user"));
    const before = ids.map((userId) => evaluateFeature(state, state.features.get("f") as FeatureRecord, { userId }).enabled);
    state.apply({ kind: "feature.renamed", feature: "f", newName: "g", revision: state.revision + 1, at: 0, actor: null });
    const after = ids.map((userId) => evaluateFeature(state, state.features.get("g") as FeatureRecord, { userId }).enabled);
    expect(after).toEqual(before);
    expect(before.filter(Boolean).length).toBeGreaterThan(800);
  });
});
