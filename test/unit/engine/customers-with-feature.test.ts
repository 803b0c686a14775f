import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChangeData, Target } from "../../../src/domain/change.js";
import { isEnabledForCustomer } from "../../../src/domain/evaluate.js";
import { FlagState, type FeatureRecord } from "../../../src/domain/flag-state.js";
import { encodePageToken, toPageRequest, type Page } from "../../../src/domain/pagination.js";
import { planChange } from "../../../src/domain/plan-change.js";
import { applySnapshotChunk, captureSnapshot } from "../../../src/domain/snapshot.js";
import { flagQueries, type CustomerFeatureFilter } from "../../../src/engine/flag-queries.js";

// listCustomersWithFeature pages over per-feature override indexes when it can; these tests hold every one of its
// strategies to a brute-force reference (every customer, sorted, filtered by the Maps and by evaluate.ts) over
// random states, random page walks and data that changes between pages, and check the indexes after every path
// that builds them (apply, reindex after a snapshot load).

const LIST = "customers-with-feature";
const FILTERS: readonly CustomerFeatureFilter[] = ["enabled", "explicitly_enabled", "explicitly_disabled"];
// Ids of several lengths and cases, so that code-unit order differs from numeric or case-insensitive order.
const CUSTOMERS = ["a", "b", "c", "B", "a1", "a10", "a2", "c.x", "m", "q", "z", "Z9", "101", "202", "9"];
const USERS = ["u1", "u2", "u3", "u4", "u5", "u6"];
const FEATURES = ["f1", "f2", "f3", "f4"];
const SEGMENTS = ["s1", "s2"];

/** A small seeded PRNG (mulberry32), so that a failing seed replays exactly. */
function random(seed: number): { int(n: number): number; pick<T>(items: readonly T[]): T; bool(): boolean } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { int, pick: (items) => items[int(items.length)] as (typeof items)[number], bool: () => next() < 0.5 };
}

type Rng = ReturnType<typeof random>;

/** A random change over the small pools, overrides most often; it may be invalid or a no-op (then it is skipped). */
function randomChange(rng: Rng): ChangeData {
  const feature = rng.pick(FEATURES);
  const target = (): Target => (rng.int(4) === 0 ? { kind: "user", id: rng.pick(USERS) } : { kind: "customer", id: rng.pick(CUSTOMERS) });
  const some = (pool: readonly string[]) => pool.filter(() => rng.int(3) === 0);
  const roll = rng.int(20);
  if (roll < 7) return { kind: "override.set", feature, target: target(), enabled: rng.bool() };
  if (roll < 9) return { kind: "override.cleared", feature, target: target() };
  if (roll < 11) return { kind: "customer.created", customerId: rng.pick(CUSTOMERS) };
  switch (roll) {
    case 11:
      return rng.bool() ? { kind: "customer.deleted", customerId: rng.pick(CUSTOMERS) } : { kind: "user.deleted", userId: rng.pick(USERS) };
    case 12:
      return { kind: "user.created", userId: rng.pick(USERS), customerId: rng.bool() ? rng.pick(CUSTOMERS) : null };
    case 13:
      return rng.bool()
        ? { kind: "feature.created", feature, enabled: rng.bool(), description: "", salt: `salt-${rng.int(3)}` }
        : { kind: "feature.enabled_set", feature, enabled: rng.bool() };
    case 14:
      return rng.int(3) === 0 ? { kind: "feature.deleted", feature } : { kind: "feature.renamed", feature, newName: rng.pick(FEATURES) };
    case 15:
      return rng.bool()
        ? { kind: "rollout.set", feature, rollout: { basisPoints: rng.pick([0, 2500, 5000, 10_000]), stickiness: rng.bool() ? "user" : "customer" } }
        : { kind: "rollout.cleared", feature };
    case 16:
      return rng.bool() ? { kind: "segment.created", segment: rng.pick(SEGMENTS) } : { kind: "segment.deleted", segment: rng.pick(SEGMENTS) };
    case 17:
      return {
        kind: rng.bool() ? "segment.members_added" : "segment.members_removed",
        segment: rng.pick(SEGMENTS),
        customerIds: some(CUSTOMERS),
        userIds: some(USERS),
      };
    default:
      return rng.bool()
        ? { kind: "segment_rule.set", feature, segment: rng.pick(SEGMENTS), enabled: rng.bool() }
        : { kind: "segment_rule.cleared", feature, segment: rng.pick(SEGMENTS) };
  }
}

/** Applies up to `count` random changes, each checked by planChange as the engine would (refused ones are skipped). */
function mutate(state: FlagState, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    let planned: ChangeData | null;
    try {
      planned = planChange(state, randomChange(rng));
    } catch {
      continue;
    }
    if (planned) state.apply({ ...planned, revision: state.revision + 1, at: 1000 + state.revision, actor: null });
  }
}

/** The reference: every customer in code-unit order, tested one by one against the Maps and evaluate.ts. */
function referencePage(state: FlagState, feature: FeatureRecord, filter: CustomerFeatureFilter, size: number, after: string | undefined): Page<string> {
  const matches = [...state.customers.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .filter((id) => after === undefined || id > after)
    .filter((id) =>
      filter === "enabled" ? isEnabledForCustomer(feature, id) : feature.customerOverrides.get(id) === (filter === "explicitly_enabled"),
    );
  const items = matches.slice(0, size);
  return { items, nextPageToken: matches.length > size ? encodePageToken(LIST, items[size - 1] as string) : "" };
}

/** The indexes a feature should have, from its override Map alone. */
function expectedIndexes(feature: FeatureRecord): { on: string[]; off: string[] } {
  const ids = (enabled: boolean) => [...feature.customerOverrides].filter(([, e]) => e === enabled).map(([id]) => id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { on: ids(true), off: ids(false) };
}

function expectIndexesMatch(state: FlagState): void {
  for (const feature of state.features.values()) {
    expect({ on: feature.customersOn.all, off: feature.customersOff.all }, feature.name).toEqual(expectedIndexes(feature));
  }
}

/** A fresh state loaded from `state`'s snapshot chunks (the bulk path: Maps filled, then reindex). */
function reloaded(state: FlagState): FlagState {
  const copy = new FlagState();
  for (const chunk of captureSnapshot(state)) applySnapshotChunk(copy, chunk);
  return copy;
}

describe("listCustomersWithFeature against a brute-force reference", () => {
  it("gives the reference's pages and tokens for every filter and page size 1-7, with data changing between pages", () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = random(seed);
        const state = new FlagState();
        mutate(state, rng, 30 + rng.int(120));
        for (const filter of FILTERS) {
          for (let size = 1; size <= 7; size++) {
            const name = rng.pick(FEATURES);
            let token = "";
            for (let pages = 0; pages < 40; pages++) {
              const feature = state.features.get(name);
              const request = toPageRequest(LIST, size, token);
              if (!feature) {
                expect(() => flagQueries.listCustomersWithFeature(state, name, filter, request)).toThrow(/not found/);
                break;
              }
              const page = flagQueries.listCustomersWithFeature(state, name, filter, request);
              expect(page, `seed ${seed}, ${name} ${filter} size ${size} after ${request.after}`).toEqual(
                referencePage(state, feature, filter, size, request.after),
              );
              token = page.nextPageToken;
              if (token === "") break;
              mutate(state, rng, rng.int(4));
            }
          }
        }
        expectIndexesMatch(state);
      }),
      { numRuns: 150 },
    );
  });

  it("keeps the override indexes equal to the override Maps after apply and after a snapshot load (reindex)", () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = random(seed);
        const state = new FlagState();
        mutate(state, rng, 200);
        expectIndexesMatch(state);
        const copy = reloaded(state);
        expectIndexesMatch(copy);
        expect([...copy.features.keys()].sort()).toEqual([...state.features.keys()].sort());
        for (const name of copy.features.keys()) {
          for (const filter of FILTERS) {
            const request = toPageRequest(LIST, 1000, "");
            expect(flagQueries.listCustomersWithFeature(copy, name, filter, request)).toEqual(
              flagQueries.listCustomersWithFeature(state, name, filter, request),
            );
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it("keeps the indexes through rename, customer delete cascade, feature delete and clear", () => {
    const state = new FlagState();
    const changes: ChangeData[] = [
      { kind: "feature.created", feature: "f1", enabled: false, description: "", salt: "s" },
      ...["a", "b", "c"].map((customerId): ChangeData => ({ kind: "customer.created", customerId })),
      { kind: "override.set", feature: "f1", target: { kind: "customer", id: "c" }, enabled: true },
      { kind: "override.set", feature: "f1", target: { kind: "customer", id: "a" }, enabled: true },
      { kind: "override.set", feature: "f1", target: { kind: "customer", id: "b" }, enabled: false },
      { kind: "override.set", feature: "f1", target: { kind: "customer", id: "c" }, enabled: false },
      { kind: "feature.renamed", feature: "f1", newName: "f2" },
    ];
    changes.forEach((data, i) => state.apply({ ...data, revision: i + 1, at: 1, actor: null }));
    const f2 = state.features.get("f2") as FeatureRecord;
    expect([f2.customersOn.all, f2.customersOff.all]).toEqual([["a"], ["b", "c"]]);
    state.apply({ kind: "customer.deleted", customerId: "b", revision: 100, at: 1, actor: null });
    expect([f2.customersOn.all, f2.customersOff.all]).toEqual([["a"], ["c"]]);
    state.apply({ kind: "override.cleared", feature: "f2", target: { kind: "customer", id: "a" }, revision: 101, at: 1, actor: null });
    expect([f2.customersOn.all, f2.customersOff.all]).toEqual([[], ["c"]]);
    state.apply({ kind: "feature.deleted", feature: "f2", revision: 102, at: 1, actor: null });
    state.apply({ kind: "feature.created", feature: "f2", enabled: true, description: "", salt: "s", revision: 103, at: 1, actor: null });
    const recreated = state.features.get("f2") as FeatureRecord;
    expect([recreated.customersOn.size, recreated.customersOff.size]).toEqual([0, 0]);
  });
});

describe("listCustomersWithFeature cost", () => {
  const CUSTOMER_COUNT = 20_000;
  afterEach(() => vi.restoreAllMocks());

  /** 20,000 customers; features with 6 overrides (3 on, 3 off) at the very end of the key range, on, off, and one of each kind of rule. */
  function sparseState(): FlagState {
    const state = new FlagState();
    let revision = 0;
    const apply = (data: ChangeData) => state.apply({ ...data, revision: ++revision, at: 1, actor: null });
    for (const [feature, enabled] of [["off", false], ["on", true], ["segmented", false], ["rolled", false]] as const) {
      apply({ kind: "feature.created", feature, enabled, description: "", salt: "s" });
    }
    const id = (i: number) => `c${String(i).padStart(6, "0")}`;
    for (let i = 0; i < CUSTOMER_COUNT; i++) apply({ kind: "customer.created", customerId: id(i) });
    for (const feature of ["off", "on", "segmented", "rolled"]) {
      for (let i = CUSTOMER_COUNT - 6; i < CUSTOMER_COUNT; i++) {
        apply({ kind: "override.set", feature, target: { kind: "customer", id: id(i) }, enabled: i % 2 === 0 });
      }
    }
    apply({ kind: "segment.created", segment: "everyone" });
    apply({ kind: "segment.members_added", segment: "everyone", customerIds: [...state.customers.keys()], userIds: [] });
    apply({ kind: "segment_rule.set", feature: "segmented", segment: "everyone", enabled: true });
    apply({ kind: "rollout.set", feature: "rolled", rollout: { basisPoints: 10_000, stickiness: "customer" } });
    return state;
  }

  /** How many override lookups (Map.get) and existence checks (Map.has) one call makes: a bound on the customers it looks at. */
  function lookups(list: () => Page<string>): { page: Page<string>; calls: number } {
    const get = vi.spyOn(Map.prototype, "get");
    const has = vi.spyOn(Map.prototype, "has");
    const page = list();
    const calls = get.mock.calls.length + has.mock.calls.length;
    vi.restoreAllMocks();
    return { page, calls };
  }

  it.each([
    ["off", "enabled"],
    ["off", "explicitly_enabled"],
    ["off", "explicitly_disabled"],
    ["on", "explicitly_enabled"],
    ["on", "explicitly_disabled"],
  ] as const)("feature %s, filter %s: looks at the few overridden customers, not all", (feature, filter) => {
    const state = sparseState();
    const { page, calls } = lookups(() => flagQueries.listCustomersWithFeature(state, feature, filter, toPageRequest(LIST, 2, "")));
    expect(page.items).toHaveLength(2);
    expect(page.nextPageToken).not.toBe("");
    expect(calls).toBeLessThan(20);
  });

  it("a globally-on feature with few overrides: a page looks at about its own size", () => {
    const state = sparseState();
    const { page, calls } = lookups(() => flagQueries.listCustomersWithFeature(state, "on", "enabled", toPageRequest(LIST, 100, "")));
    expect(page.items).toHaveLength(100);
    expect(calls).toBeLessThan(150);
  });

  it.each(["segmented", "rolled"])("the general scan (%s) stops at the first match past a full page", (feature) => {
    const state = sparseState();
    const { page, calls } = lookups(() => flagQueries.listCustomersWithFeature(state, feature, "enabled", toPageRequest(LIST, 100, "")));
    expect(page.items).toHaveLength(100);
    expect(page.nextPageToken).not.toBe("");
    // Each customer evaluated costs a few lookups; scanning on to the end would cost CUSTOMER_COUNT of them.
    expect(calls).toBeLessThan(101 * 5);
  });
});
