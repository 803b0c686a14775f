import { describe, expect, it } from "vitest";
import type { ChangeData } from "../../../src/domain/change.js";
import { evaluateFeature, type EvaluationContext } from "../../../src/domain/evaluate.js";
import { FeatureRecord, FlagState } from "../../../src/domain/flag-state.js";
import { evaluateAll } from "../../../src/engine/evaluate-all.js";
import { seededRandom } from "../../support/seeded-random.js";

// evaluateAll skips the features whose answer cannot depend on the context (per-revision table, filters of
// override ids): every answer must still be evaluateFeature's, through any sequence of changes.

/** What evaluateAll must answer: every feature evaluated on its own, in name order. */
function naive(state: FlagState, context: EvaluationContext) {
  const features = [...state.featureNames.all];
  return { features, evaluations: features.map((name) => evaluateFeature(state, state.features.get(name) as FeatureRecord, context)) };
}

function expectSameAsNaive(state: FlagState, contexts: readonly EvaluationContext[]): void {
  const wrong: string[] = [];
  for (const context of contexts) {
    const all = evaluateAll(state, context);
    const { features, evaluations } = naive(state, context);
    const where = `revision ${state.revision}, context ${JSON.stringify(context)}`;
    if (all.features.join() !== features.join()) wrong.push(`${where}: features ${all.features.join()} != ${features.join()}`);
    if (all.revision !== state.revision || all.anonymous.length !== features.length) wrong.push(`${where}: revision ${all.revision}, ${all.anonymous.length} anonymous`);
    // The same objects: reasons, values and segments alike.
    evaluations.forEach((evaluation, i) => {
      if (all.evaluations[i] !== evaluation) wrong.push(`${where}: ${features[i]} ${JSON.stringify(all.evaluations[i])} != ${JSON.stringify(evaluation)}`);
    });
  }
  expect(wrong).toEqual([]);
}

const FEATURES = Array.from({ length: 12 }, (_, i) => `f${i}`);
const CUSTOMERS = Array.from({ length: 6 }, (_, i) => `c${i}`);
// More users than a filter holds (24), so that the busiest features go past it.
const USERS = Array.from({ length: 40 }, (_, i) => `u${i}`);
const SEGMENTS = ["s0", "s1", "s2"];
const CONTEXTS: EvaluationContext[] = [
  {},
  { customerId: "nobody" },
  { userId: "nobody" },
  ...CUSTOMERS.map((customerId) => ({ customerId })),
  ...USERS.map((userId) => ({ userId })),
  ...USERS.slice(0, 8).map((userId, i) => ({ userId, customerId: CUSTOMERS[(i + 1) % CUSTOMERS.length] })),
];

/** A random valid change for `state` (what planChange would let through), weighted towards overrides. */
function randomChange(state: FlagState, next: () => number): ChangeData {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const feature = pick([...state.features.keys()]);
  const target = () => (next() < 0.5 ? { kind: "customer" as const, id: pick(CUSTOMERS) } : { kind: "user" as const, id: pick(USERS) });
  const roll = next();
  if (feature === undefined || roll < 0.05) {
    const name = pick(FEATURES.filter((f) => !state.features.has(f)).concat(`x${Math.floor(next() * 1e6)}`));
    return { kind: "feature.created", feature: name, enabled: next() < 0.5, description: "", salt: name };
  }
  if (roll < 0.55) return { kind: "override.set", feature, target: target(), enabled: next() < 0.5 };
  if (roll < 0.65) return { kind: "override.cleared", feature, target: target() };
  if (roll < 0.7) return { kind: "feature.enabled_set", feature, enabled: next() < 0.5 };
  if (roll < 0.73) return { kind: "rollout.set", feature, rollout: { basisPoints: Math.floor(next() * 10_000), stickiness: next() < 0.5 ? "user" : "customer" } };
  if (roll < 0.76) return { kind: "rollout.cleared", feature };
  if (roll < 0.78) return { kind: "feature.renamed", feature, newName: `r${Math.floor(next() * 1e6)}` };
  if (roll < 0.8) return { kind: "feature.deleted", feature };
  const segment = pick(SEGMENTS);
  if (!state.segments.has(segment)) return { kind: "segment.created", segment };
  if (roll < 0.85) return { kind: "segment.members_added", segment, customerIds: [pick(CUSTOMERS)], userIds: [pick(USERS)] };
  if (roll < 0.87) return { kind: "segment.members_removed", segment, customerIds: [pick(CUSTOMERS)], userIds: [pick(USERS)] };
  if (roll < 0.91) return { kind: "segment_rule.set", feature, segment, enabled: next() < 0.5 };
  if (roll < 0.93) return { kind: "segment_rule.cleared", feature, segment };
  if (roll < 0.94) return { kind: "segment.deleted", segment };
  // Deleting a customer or user removes overrides without a change naming their features; both come back at once.
  if (roll < 0.97) return next() < 0.5 ? { kind: "customer.deleted", customerId: pick(CUSTOMERS) } : { kind: "user.deleted", userId: pick(USERS) };
  return { kind: "feature.enabled_set", feature, enabled: next() < 0.5 };
}

/** A state with every customer and user of the pools; users belong to customers in turn, the last ten to none. */
function populated(): FlagState {
  const state = new FlagState();
  let revision = 0;
  const apply = (data: ChangeData) => state.apply({ ...data, revision: ++revision, at: revision, actor: null });
  for (const customerId of CUSTOMERS) apply({ kind: "customer.created", customerId });
  USERS.forEach((userId, i) => apply({ kind: "user.created", userId, customerId: i < 30 ? (CUSTOMERS[i % CUSTOMERS.length] as string) : null }));
  return state;
}

/** Recreates the customers and users a change deleted, so that the pools stay whole. */
function restore(state: FlagState, apply: (data: ChangeData) => void): void {
  for (const customerId of CUSTOMERS) if (!state.customers.has(customerId)) apply({ kind: "customer.created", customerId });
  USERS.forEach((userId, i) => {
    const customerId = i < 30 ? (CUSTOMERS[i % CUSTOMERS.length] as string) : null;
    if (!state.users.has(userId) && (customerId === null || state.customers.has(customerId))) apply({ kind: "user.created", userId, customerId });
  });
}

describe("evaluateAll", () => {
  it("answers what evaluating each feature answers, after every change of a long random history", () => {
    for (const seed of [1, 2, 3]) {
      const next = seededRandom(seed);
      const state = populated();
      let revision = state.revision;
      const apply = (data: ChangeData) => state.apply({ ...data, revision: ++revision, at: revision, actor: null });
      for (let step = 0; step < 600; step++) {
        apply(randomChange(state, next));
        if (next() < 0.1) restore(state, apply);
        // Not every revision is read: a table is then rebuilt over several changes at once.
        if (next() < 0.4) expectSameAsNaive(state, CONTEXTS);
      }
      expectSameAsNaive(state, CONTEXTS);
    }
  });

  it("covers features with more overrides than a filter holds, and with none", () => {
    const state = populated();
    let revision = state.revision;
    const apply = (data: ChangeData) => state.apply({ ...data, revision: ++revision, at: revision, actor: null });
    apply({ kind: "feature.created", feature: "busy", enabled: false, description: "", salt: "b" });
    apply({ kind: "feature.created", feature: "plain", enabled: true, description: "", salt: "p" });
    expectSameAsNaive(state, CONTEXTS);
    for (const [i, userId] of USERS.entries()) {
      apply({ kind: "override.set", feature: "busy", target: { kind: "user", id: userId }, enabled: i % 2 === 0 });
      expectSameAsNaive(state, CONTEXTS);
    }
    for (const userId of USERS) {
      apply({ kind: "override.cleared", feature: "busy", target: { kind: "user", id: userId } });
      expectSameAsNaive(state, CONTEXTS);
    }
  });

  it("follows a reload, even to the same revision with other content", () => {
    const state = populated();
    const at = state.revision;
    const with1 = (enabled: boolean, id: string): FlagState => {
      const other = populated();
      other.apply({ kind: "feature.created", feature: "a", enabled, description: "", salt: "a", revision: at + 1, at: 0, actor: null });
      other.apply({ kind: "override.set", feature: "a", target: { kind: "user", id }, enabled: !enabled, revision: at + 2, at: 0, actor: null });
      return other;
    };
    state.adopt(with1(false, "u1"));
    expectSameAsNaive(state, CONTEXTS);
    expect(evaluateAll(state, { userId: "u1" }).evaluations[0]?.enabled).toBe(true);
    // What a failed commit's resync does: the same revision, read again from storage, with other content.
    state.adopt(with1(true, "u2"));
    expectSameAsNaive(state, CONTEXTS);
    expect(evaluateAll(state, { userId: "u1" }).evaluations[0]?.enabled).toBe(true);
    expect(evaluateAll(state, { userId: "u2" }).evaluations[0]?.enabled).toBe(false);
  });

  it("shares the names and the empty context's answers between the calls of one revision", () => {
    const state = populated();
    state.apply({ kind: "feature.created", feature: "a", enabled: true, description: "", salt: "a", revision: state.revision + 1, at: 0, actor: null });
    const first = evaluateAll(state, { userId: "u1" });
    const second = evaluateAll(state, { customerId: "c2" });
    expect(second.features).toBe(first.features);
    expect(second.anonymous).toBe(first.anonymous);
    expect(second.evaluations).not.toBe(first.evaluations);
    // The names are a copy: a later change leaves the earlier answer's list as it was.
    state.apply({ kind: "feature.created", feature: "b", enabled: true, description: "", salt: "b", revision: state.revision + 1, at: 0, actor: null });
    expect(first.features).toEqual(["a"]);
    expect(evaluateAll(state, {}).features).toEqual(["a", "b"]);
  });

  it("checks the context's ids before anything else", () => {
    expect(() => evaluateAll(populated(), { customerId: "has space" })).toThrow(/customer id "has space" is invalid/);
  });
});
