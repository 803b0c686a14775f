import type { Change } from "../../src/domain/change.js";
import { FlagState } from "../../src/domain/flag-state.js";
import type { FlagReader } from "../../src/store/flag-store.js";

/** A comparable picture of a FlagState: Maps and Sets become sorted arrays, so that `toEqual` shows a readable diff. */
export function picture(state: FlagState) {
  const sorted = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    revision: state.revision,
    features: sorted(state.features).map(([name, f]) => ({
      name,
      enabled: f.enabled,
      description: f.description,
      salt: f.salt,
      rollout: f.rollout,
      customerOverrides: sorted(f.customerOverrides),
      userOverrides: sorted(f.userOverrides),
    })),
    customers: sorted(state.customers).map(([id, c]) => ({ id, users: [...c.userIds].sort() })),
    users: sorted(state.users).map(([id, u]) => ({ id, customerId: u.customerId })),
    segments: sorted(state.segments).map(([name, s]) => ({ name, rules: s.ruleFeatures.size })),
    segmentMembers: [...state.segmentMemberships()],
    segmentRules: [...state.segmentRules()],
    // Copies: the live indexes change in place.
    indexes: [state.featureNames.all, state.customerIds.all, state.userIds.all, state.segmentNames.all].map((keys) => [...keys]),
  };
}

/** Every change of a store's log, from revision 0. */
export async function wholeLog(store: FlagReader): Promise<Change[]> {
  const changes: Change[] = [];
  for (;;) {
    const batch = await store.readChanges(changes.at(-1)?.revision ?? 0, 10_000);
    changes.push(...batch);
    if (batch.length < 10_000) return changes;
  }
}

/** The state that replaying `changes` from revision 0 into a fresh FlagState gives. */
export function replay(changes: Iterable<Change>): FlagState {
  const state = new FlagState();
  for (const change of changes) state.apply(change);
  return state;
}
