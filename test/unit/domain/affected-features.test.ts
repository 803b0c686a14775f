import { describe, expect, it } from "vitest";
import { featuresAffectedBy } from "../../../src/domain/affected-features.js";
import type { ChangeData, Target } from "../../../src/domain/change.js";
import { DomainError } from "../../../src/domain/domain-error.js";
import { evaluateFeature, type EvaluationContext } from "../../../src/domain/evaluate.js";
import { FlagState } from "../../../src/domain/flag-state.js";
import { planChange } from "../../../src/domain/plan-change.js";
import { createRandom, type Random } from "../../support/random-mutations.js";

/**
 * featuresAffectedBy() may name too many features, never too few: over random runs of every change kind (segments
 * and rollouts included), each feature whose answer changes for some context is named by the change that did it.
 */

const FEATURES = ["f1", "f2", "f3", "f4"];
const CUSTOMERS = ["c1", "c2", "c3"];
const USERS = ["u1", "u2", "u3", "u4"];
const SEGMENTS = ["s1", "s2", "s3"];

const CONTEXTS: EvaluationContext[] = [
  {},
  ...[...CUSTOMERS, "c-none"].map((customerId) => ({ customerId })),
  ...[...USERS, "u-none"].flatMap((userId) => [{ userId }, ...CUSTOMERS.map((customerId) => ({ userId, customerId }))]),
];

const target = (r: Random): Target => (r.chance(0.5) ? { kind: "customer", id: r.pick(CUSTOMERS) } : { kind: "user", id: r.pick(USERS) });
const members = (r: Random, pool: readonly string[]) => pool.filter(() => r.chance(0.4));

const CHANGES: readonly ((r: Random) => ChangeData)[] = [
  (r) => ({ kind: "feature.created", feature: r.pick(FEATURES), enabled: r.chance(0.5), description: "", salt: `salt-${r.int(3)}` }),
  (r) => ({ kind: "feature.renamed", feature: r.pick(FEATURES), newName: r.pick(FEATURES) }),
  (r) => ({ kind: "feature.deleted", feature: r.pick(FEATURES) }),
  (r) => ({ kind: "feature.enabled_set", feature: r.pick(FEATURES), enabled: r.chance(0.5) }),
  (r) => ({ kind: "customer.created", customerId: r.pick(CUSTOMERS) }),
  (r) => ({ kind: "customer.deleted", customerId: r.pick(CUSTOMERS) }),
  (r) => ({ kind: "user.created", userId: r.pick(USERS), customerId: r.chance(0.7) ? r.pick(CUSTOMERS) : null }),
  (r) => ({ kind: "user.deleted", userId: r.pick(USERS) }),
  (r) => ({ kind: "override.set", feature: r.pick(FEATURES), target: target(r), enabled: r.chance(0.5) }),
  (r) => ({ kind: "override.cleared", feature: r.pick(FEATURES), target: target(r) }),
  (r) => ({
    kind: "rollout.set",
    feature: r.pick(FEATURES),
    rollout: { basisPoints: r.pick([0, 2500, 5000, 10000]), stickiness: r.chance(0.5) ? "user" : "customer" },
  }),
  (r) => ({ kind: "rollout.cleared", feature: r.pick(FEATURES) }),
  (r) => ({ kind: "segment.created", segment: r.pick(SEGMENTS) }),
  (r) => ({ kind: "segment.renamed", segment: r.pick(SEGMENTS), newName: r.pick(SEGMENTS) }),
  (r) => ({ kind: "segment.deleted", segment: r.pick(SEGMENTS) }),
  (r) => ({ kind: "segment.members_added", segment: r.pick(SEGMENTS), customerIds: members(r, CUSTOMERS), userIds: members(r, USERS) }),
  (r) => ({ kind: "segment.members_removed", segment: r.pick(SEGMENTS), customerIds: members(r, CUSTOMERS), userIds: members(r, USERS) }),
  (r) => ({ kind: "segment_rule.set", feature: r.pick(FEATURES), segment: r.pick(SEGMENTS), enabled: r.chance(0.5) }),
  (r) => ({ kind: "segment_rule.cleared", feature: r.pick(FEATURES), segment: r.pick(SEGMENTS) }),
];

/** Every feature's answers for every context, segment names included, as one string per feature. */
function picture(state: FlagState): Map<string, string> {
  const answers = new Map<string, string>();
  for (const [name, feature] of state.features) {
    answers.set(name, CONTEXTS.map((context) => JSON.stringify(evaluateFeature(state, feature, context))).join());
  }
  return answers;
}

describe("featuresAffectedBy()", () => {
  it("names every feature whose answer a change alters, over random runs of every change kind", () => {
    const random = createRandom();
    const state = new FlagState();
    let revision = 0;
    const kindsSeen = new Set<string>();
    for (let step = 0; step < 4000; step++) {
      let planned: ChangeData | null;
      try {
        planned = planChange(state, random.pick(CHANGES)(random));
      } catch (err) {
        if (err instanceof DomainError) continue;
        throw err;
      }
      if (!planned) continue;
      const before = picture(state);
      const affected = new Set(featuresAffectedBy(state, planned));
      state.apply({ ...planned, revision: ++revision, at: revision, actor: null });
      const after = picture(state);
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter((name) => before.get(name) !== after.get(name));
      const missed = changed.filter((name) => !affected.has(name));
      expect(missed, `seed ${random.seed}, step ${step}: ${JSON.stringify(planned)}`).toEqual([]);
      if (changed.length > 0) kindsSeen.add(planned.kind);
    }
    // The run must have exercised the cascades, not only the changes that name their feature.
    expect([...kindsSeen].sort(), `seed ${random.seed}`).toEqual(expect.arrayContaining(["customer.deleted", "user.created", "user.deleted"]));
    expect(["segment.members_added", "segment.members_removed", "segment.renamed", "segment.deleted"].filter((kind) => kindsSeen.has(kind)).length, `seed ${random.seed}`).toBeGreaterThan(0);
  });

  it.each<[string, ChangeData, string[]]>([
    ["a rename names both names", { kind: "feature.renamed", feature: "f1", newName: "f9" }, ["f1", "f9"]],
    ["a new customer affects nothing", { kind: "customer.created", customerId: "c9" }, []],
    ["a user without a customer affects nothing", { kind: "user.created", userId: "u9", customerId: null }, []],
    ["a user of c1 affects what targets c1 and customer-bucketed rollouts", { kind: "user.created", userId: "u9", customerId: "c1" }, ["f1", "f2", "f3"]],
  ])("%s", (_what, change, expected) => {
    const state = new FlagState();
    const setup: ChangeData[] = [
      ...["f1", "f2", "f3", "f4"].map((feature): ChangeData => ({ kind: "feature.created", feature, enabled: false, description: "", salt: "s" })),
      { kind: "customer.created", customerId: "c1" },
      { kind: "override.set", feature: "f1", target: { kind: "customer", id: "c1" }, enabled: true },
      { kind: "segment.created", segment: "s1" },
      { kind: "segment.members_added", segment: "s1", customerIds: ["c1"], userIds: [] },
      { kind: "segment_rule.set", feature: "f2", segment: "s1", enabled: true },
      { kind: "rollout.set", feature: "f3", rollout: { basisPoints: 5000, stickiness: "customer" } },
      { kind: "rollout.set", feature: "f4", rollout: { basisPoints: 5000, stickiness: "user" } },
    ];
    setup.forEach((data, i) => state.apply({ ...data, revision: i + 1, at: 0, actor: null }));
    expect(featuresAffectedBy(state, change).sort()).toEqual(expected);
  });
});
