import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChangeData } from "../../src/domain/change.js";
import { FlagState } from "../../src/domain/flag-state.js";
import { planChange } from "../../src/domain/plan-change.js";
import type { FlagStore } from "../../src/store/flag-store.js";
import { picture } from "../support/state-picture.js";

/** Opens a fresh, empty store of one backend; `reopen` opens the same database again. */
export interface StoreFactory {
  open(): FlagStore;
  reopen(): FlagStore;
  cleanup(): void;
}

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed >>> 0; // mulberry32
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random writes over a small id space, so that cascades, renames and no-ops all happen. */
function randomWrite(next: () => number): ChangeData {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const feature = pick(["a", "b", "c"]);
  const customerId = pick(["c1", "c2"]);
  const userId = pick(["u1", "u2", "u3"]);
  const target = next() < 0.5 ? ({ kind: "customer", id: customerId } as const) : ({ kind: "user", id: userId } as const);
  return pick<ChangeData>([
    { kind: "feature.created", feature, enabled: next() < 0.5, description: `about ${feature}` },
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

function plannedOrRefused(state: FlagState, data: ChangeData): ChangeData | null {
  try {
    return planChange(state, data);
  } catch {
    return null;
  }
}

/** The contract every FlagStore backend passes: the same tests, run once per backend. */
export function describeStoreContract(backend: string, factory: () => StoreFactory): void {
  describe(`FlagStore contract: ${backend}`, () => {
    let stores: StoreFactory;
    let store: FlagStore;
    beforeEach(() => {
      stores = factory();
      store = stores.open();
    });
    afterEach(() => {
      store.close();
      stores.cleanup();
    });

    it("an empty store is at revision 0 with an empty state", () => {
      expect(store.latestRevision()).toBe(0);
      expect(picture(store.loadState())).toEqual(picture(new FlagState()));
    });

    it("commits get consecutive revisions and read back from the log in order, in pages", () => {
      const written = ["x", "y", "z"].map((id, i) =>
        store.write((w) => w.append({ kind: "customer.created", customerId: id }, "ops", 1000 + i)),
      );
      expect(written.map((c) => c.revision)).toEqual([1, 2, 3]);
      expect(store.latestRevision()).toBe(3);
      expect(store.readChanges(0, 2)).toEqual(written.slice(0, 2));
      expect(store.readChanges(2, 10)).toEqual(written.slice(2));
      expect(written[0]).toMatchObject({ kind: "customer.created", customerId: "x", actor: "ops", at: 1000 });
    });

    it("a write that throws commits nothing, not even what it appended before", () => {
      expect(() =>
        store.write((w) => {
          w.append({ kind: "customer.created", customerId: "kept-out" }, null, 1);
          throw new Error("refused");
        }),
      ).toThrow("refused");
      expect(store.latestRevision()).toBe(0);
      expect(store.loadState().customers.size).toBe(0);
    });

    it("tells when another process committed, and not for its own writes", () => {
      expect(store.changedElsewhere()).toBe(false);
      store.write((w) => w.append({ kind: "customer.created", customerId: "mine" }, null, 1));
      expect(store.changedElsewhere()).toBe(false);
      const other = stores.reopen();
      try {
        other.write((w) => w.append({ kind: "customer.created", customerId: "theirs" }, null, 2));
        expect(store.changedElsewhere()).toBe(true);
        expect(store.changedElsewhere()).toBe(false);
        expect(store.readChanges(1, 10).map((c) => c.revision)).toEqual([2]);
      } finally {
        other.close();
      }
    });

    it.each([1, 2, 3, 4, 5])("random writes (seed %i): stored state = the log replayed in memory, also after reopening", (seed) => {
      const next = random(seed);
      const memory = new FlagState();
      for (let i = 0; i < 600; i++) {
        const planned = plannedOrRefused(memory, randomWrite(next));
        if (planned === null) continue; // a no-op or a refused write: nothing to commit
        memory.apply(store.write((w) => w.append(planned, null, 1000 + i)));
        // After every write: a wrong cascade is often repaired by a later delete, so check before it is.
        expect(picture(store.loadState()), `after ${planned.kind} at revision ${memory.revision}`).toEqual(picture(memory));
      }
      expect(memory.revision).toBeGreaterThan(100);

      const replayed = new FlagState();
      for (const change of store.readChanges(0, 100_000)) replayed.apply(change);
      expect(picture(replayed)).toEqual(picture(memory));

      store.close();
      store = stores.reopen();
      expect(picture(store.loadState())).toEqual(picture(memory));
    });
  });
}
