import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Change, ChangeData } from "../../../src/domain/change.js";
import { FlagState } from "../../../src/domain/flag-state.js";
import { planChange } from "../../../src/domain/plan-change.js";
import type { FlagStore } from "../../../src/store/flag-store.js";
import { seededRandom as random } from "../../support/seeded-random.js";
import { picture } from "../../support/state-picture.js";

/** Opens a fresh, empty store of one backend; `reopen` opens the same database again (as another process would). */
export interface StoreFactory {
  open(): FlagStore | Promise<FlagStore>;
  reopen(): FlagStore | Promise<FlagStore>;
  cleanup(): void | Promise<void>;
}

/** One write transaction appending `data`; resolves with its change. */
function append(store: FlagStore, data: ChangeData, actor: string | null, at: number): Promise<Change> {
  return store.write(Number.MAX_SAFE_INTEGER, (_missed, w) => w.append(data, actor, at));
}

/** The next revision `store` reports as committed elsewhere, or "none" when none comes within `ms`. */
function nextReport(store: FlagStore, ms = 1000): Promise<number | "none"> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stop();
      resolve("none");
    }, ms);
    const stop = store.onCommittedElsewhere((revision) => {
      clearTimeout(timer);
      stop();
      resolve(revision);
    });
  });
}


/** Random writes over a small id space, so that cascades, renames and no-ops all happen. */
function randomWrite(next: () => number): ChangeData {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const feature = pick(["a", "b", "c"]);
  const customerId = pick(["c1", "c2"]);
  const userId = pick(["u1", "u2", "u3"]);
  const target = next() < 0.5 ? ({ kind: "customer", id: customerId } as const) : ({ kind: "user", id: userId } as const);
  const segment = pick(["s1", "s2"]);
  // Mostly one id of each kind, so that the call is often valid (every id must exist), sometimes both of each.
  const some = <T>(items: readonly T[]): T[] => (next() < 0.3 ? [...items] : next() < 0.5 ? [pick(items)] : []);
  if (next() < 0.45) {
    return pick<ChangeData>([
      { kind: "segment.created", segment },
      { kind: "segment.renamed", segment, newName: pick(["s1", "s2"]) },
      { kind: "segment.deleted", segment },
      { kind: "segment.members_added", segment, customerIds: some(["c1", "c2"]), userIds: some(["u1", "u2", "u3"]) },
      { kind: "segment.members_added", segment, customerIds: some(["c1", "c2"]), userIds: some(["u1", "u2", "u3"]) },
      { kind: "segment.members_removed", segment, customerIds: some(["c1", "c2"]), userIds: some(["u1", "u2", "u3"]) },
      { kind: "segment_rule.set", feature, segment, enabled: next() < 0.5 },
      { kind: "segment_rule.set", feature, segment, enabled: next() < 0.5 },
      { kind: "segment_rule.cleared", feature, segment },
      { kind: "rollout.set", feature, rollout: { basisPoints: Math.floor(next() * 10_001), stickiness: pick(["user", "customer"]) } },
      { kind: "rollout.cleared", feature },
    ]);
  }
  return pick<ChangeData>([
    { kind: "feature.created", feature, enabled: next() < 0.5, description: `about ${feature}`, salt: `salt-${feature}` },
    { kind: "feature.renamed", feature, newName: pick(["a", "b", "c"]) },
    { kind: "feature.deleted", feature },
    { kind: "feature.enabled_set", feature, enabled: next() < 0.5 },
    { kind: "customer.created", customerId },
    { kind: "customer.deleted", customerId },
    { kind: "user.created", userId, customerId: next() < 0.7 ? customerId : null },
    { kind: "user.deleted", userId },
    { kind: "override.set", feature, target, enabled: next() < 0.5 },
    { kind: "override.set", feature, target, enabled: next() < 0.5 },
    { kind: "override.cleared", feature, target },
  ]);
}

const ALL_KINDS: ChangeData["kind"][] = [
  "feature.created",
  "feature.renamed",
  "feature.deleted",
  "feature.enabled_set",
  "customer.created",
  "customer.deleted",
  "user.created",
  "user.deleted",
  "override.set",
  "override.cleared",
  "rollout.set",
  "rollout.cleared",
  "segment.created",
  "segment.renamed",
  "segment.deleted",
  "segment.members_added",
  "segment.members_removed",
  "segment_rule.set",
  "segment_rule.cleared",
];

function plannedOrRefused(state: FlagState, data: ChangeData): ChangeData | null {
  try {
    return planChange(state, data);
  } catch {
    return null;
  }
}

/** The contract every FlagStore backend passes: the same tests, run once per backend. */
export function describeStoreContract(backend: string, factory: () => StoreFactory, options: { timeout?: number } = {}): void {
  describe(`FlagStore contract: ${backend}`, { ...(options.timeout ? { timeout: options.timeout } : {}) }, () => {
    let stores: StoreFactory;
    let store: FlagStore;
    beforeEach(async () => {
      stores = factory();
      store = await stores.open();
    });
    afterEach(async () => {
      await store.close();
      await stores.cleanup();
    });

    it("an empty store is at revision 0 with an empty state", async () => {
      expect(await store.latestRevision()).toBe(0);
      expect(await store.firstRetainedRevision()).toBe(1);
      expect(picture(await store.loadState())).toEqual(picture(new FlagState()));
    });

    it("commits get consecutive revisions and read back from the log in order, in pages", async () => {
      const written: Change[] = [];
      for (const [i, id] of ["x", "y", "z"].entries()) written.push(await append(store, { kind: "customer.created", customerId: id }, "ops", 1000 + i));
      expect(written.map((c) => c.revision)).toEqual([1, 2, 3]);
      expect(await store.latestRevision()).toBe(3);
      expect(await store.readChanges(0, 2)).toEqual(written.slice(0, 2));
      expect(await store.readChanges(2, 10)).toEqual(written.slice(2));
      expect(written[0]).toMatchObject({ kind: "customer.created", customerId: "x", actor: "ops", at: 1000 });
    });

    it("a write that throws commits nothing, not even what it appended before", async () => {
      await expect(
        store.write(0, (_missed, w) => {
          w.append({ kind: "customer.created", customerId: "kept-out" }, null, 1);
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
      expect(await store.latestRevision()).toBe(0);
      expect((await store.loadState()).customers.size).toBe(0);
    });

    it("a write is handed the changes committed after the revision it names, read inside its transaction", async () => {
      const first = await append(store, { kind: "customer.created", customerId: "c1" }, null, 1);
      const other = await stores.reopen();
      try {
        const theirs = await append(other, { kind: "customer.created", customerId: "c2" }, null, 2);
        const seen = await store.write(first.revision, (missed, w) => {
          w.append({ kind: "customer.created", customerId: "c3" }, null, 3);
          return missed;
        });
        expect(seen).toEqual([theirs]);
        expect(await store.write(0, (missed) => missed.map((c) => c.revision))).toEqual([1, 2, 3]);
      } finally {
        await other.close();
      }
    });

    it("reports commits made elsewhere with the latest revision, and not its own writes", async () => {
      const own = nextReport(store, 300);
      await append(store, { kind: "customer.created", customerId: "mine" }, null, 1);
      expect(await own).toBe("none");
      const other = await stores.reopen();
      try {
        const report = nextReport(store);
        await append(other, { kind: "customer.created", customerId: "theirs" }, null, 2);
        expect(await report).toBe(2);
        expect((await store.readChanges(1, 10)).map((c) => c.revision)).toEqual([2]);
      } finally {
        await other.close();
      }
    });

    it("prunes by the policy, never the latest change, and says where the log starts", async () => {
      for (let i = 1; i <= 5; i++) await append(store, { kind: "customer.created", customerId: `c${i}` }, null, i * 86_400_000);
      expect(await store.pruneChanges({}, 10 * 86_400_000)).toBe(0);
      // Outside both limits only: the last 2 revisions are kept, and so is what is younger than 7 days (day 4 on).
      expect(await store.pruneChanges({ revisions: 2, days: 7 }, 10 * 86_400_000)).toBe(2);
      expect(await store.firstRetainedRevision()).toBe(3);
      expect((await store.readChanges(0, 10)).map((c) => c.revision)).toEqual([3, 4, 5]);
      expect(await store.pruneChanges({ revisions: 0 }, 10 * 86_400_000)).toBe(2);
      expect(await store.firstRetainedRevision()).toBe(5);
      expect(await store.latestRevision()).toBe(5);
      // The revisions go on after pruning, and the state is whole.
      expect((await append(store, { kind: "customer.created", customerId: "c6" }, null, 11)).revision).toBe(6);
      expect((await store.loadState()).customers.size).toBe(6);
    });

    it("segment cascades: deleting a customer, a user, a segment or a feature removes what refers to it, in the store too", async () => {
      const memory = new FlagState();
      const write = async (data: ChangeData) => {
        const planned = planChange(memory, data);
        if (planned) memory.apply(await append(store, planned, null, 1));
      };
      const setup: ChangeData[] = [
        { kind: "feature.created", feature: "a", enabled: false, description: "", salt: "salt-a" },
        { kind: "feature.created", feature: "b", enabled: true, description: "", salt: "salt-b" },
        { kind: "customer.created", customerId: "c1" },
        { kind: "customer.created", customerId: "c2" },
        { kind: "user.created", userId: "u1", customerId: "c1" },
        { kind: "user.created", userId: "u2", customerId: null },
        { kind: "segment.created", segment: "s1" },
        { kind: "segment.created", segment: "s2" },
        { kind: "segment.members_added", segment: "s1", customerIds: ["c1", "c2"], userIds: ["u1", "u2"] },
        { kind: "segment.members_added", segment: "s2", customerIds: ["c1"], userIds: ["u1", "u2"] },
        { kind: "segment_rule.set", feature: "a", segment: "s1", enabled: true },
        { kind: "segment_rule.set", feature: "a", segment: "s2", enabled: false },
        { kind: "segment_rule.set", feature: "b", segment: "s2", enabled: true },
        { kind: "rollout.set", feature: "b", rollout: { basisPoints: 2500, stickiness: "customer" } },
      ];
      for (const data of setup) await write(data);
      const steps: [ChangeData, string[], string[]][] = [
        [{ kind: "customer.deleted", customerId: "c1" }, ["s1:c2", "s1:u2", "s2:u2"], ["a/s1", "a/s2", "b/s2"]],
        [{ kind: "user.deleted", userId: "u2" }, ["s1:c2"], ["a/s1", "a/s2", "b/s2"]],
        [{ kind: "feature.deleted", feature: "a" }, ["s1:c2"], ["b/s2"]],
        [{ kind: "segment.deleted", segment: "s2" }, ["s1:c2"], []],
      ];
      for (const [data, members, rules] of steps) {
        await write(data);
        const stored = await store.loadState();
        expect([...stored.segmentMemberships()].map((m) => `${m.segment}:${m.member.id}`), `after ${data.kind}`).toEqual(members);
        expect([...stored.segmentRules()].map((r) => `${r.feature}/${r.segment}`), `after ${data.kind}`).toEqual(rules);
        expect(picture(stored)).toEqual(picture(memory));
      }
      expect((await store.loadState()).features.get("b")).toMatchObject({ salt: "salt-b", rollout: { basisPoints: 2500, stickiness: "customer" } });
    });

    it("one bulk membership change of 10,000 ids commits as one change row and loads back whole", async () => {
      const customerIds = Array.from({ length: 6000 }, (_, i) => `c${i}`);
      const userIds = Array.from({ length: 4000 }, (_, i) => `u${i}`);
      await append(store, { kind: "segment.created", segment: "big" }, null, 1);
      const change = await append(store, { kind: "segment.members_added", segment: "big", customerIds, userIds }, null, 2);
      expect(await store.readChanges(1, 10)).toEqual([change]);
      const loaded = (await store.loadState()).segments.get("big");
      expect([loaded?.customerIds.size, loaded?.userIds.size]).toEqual([6000, 4000]);
      await append(store, { kind: "segment.members_removed", segment: "big", customerIds: customerIds.slice(1), userIds }, null, 3);
      expect([...(await store.loadState()).segmentMemberships()]).toEqual([{ segment: "big", member: { kind: "customer", id: "c0" } }]);
    });

    const randomKinds = new Set<string>();
    it.each([1, 2, 3, 4, 5])("random writes (seed %i): stored state = the log replayed in memory, also after reopening", async (seed) => {
      const next = random(seed);
      const memory = new FlagState();
      for (let i = 0; i < 900; i++) {
        const planned = plannedOrRefused(memory, randomWrite(next));
        if (planned === null) continue; // a no-op or a refused write: nothing to commit
        memory.apply(await append(store, planned, null, 1000 + i));
        // After every write: a wrong cascade is often repaired by a later delete, so check before it is.
        expect(picture(await store.loadState()), `after ${planned.kind} at revision ${memory.revision}`).toEqual(picture(memory));
      }
      expect(memory.revision).toBeGreaterThan(100);
      for (const change of await store.readChanges(0, 100_000)) randomKinds.add(change.kind);

      const replayed = new FlagState();
      for (const change of await store.readChanges(0, 100_000)) replayed.apply(change);
      expect(picture(replayed)).toEqual(picture(memory));

      await store.close();
      store = await stores.reopen();
      expect(picture(await store.loadState())).toEqual(picture(memory));
    });

    it("the random writes above committed every kind of change, so the comparisons covered every cascade", () => {
      expect([...randomKinds].sort()).toEqual([...ALL_KINDS].sort());
    });
  });
}
