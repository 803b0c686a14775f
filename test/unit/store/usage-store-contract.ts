import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChangeData } from "../../../src/domain/change.js";
import type { FlagStore } from "../../../src/store/flag-store.js";
import { DAY_MS, USAGE_DAYS_KEPT, usageDay, type UsageStore } from "../../../src/store/usage-store.js";

/** Opens the flag and usage stores of one database; each call acts as another process on it. */
export interface UsageStoreFactory {
  open(): { flags: FlagStore; usage: UsageStore } | Promise<{ flags: FlagStore; usage: UsageStore }>;
  cleanup(): void | Promise<void>;
}

const NOW = Date.UTC(2026, 11, 2, 12);

/** The contract every UsageStore backend passes (src/store/usage-store.ts): the same tests, run once per backend. */
export function describeUsageStoreContract(backend: string, factory: () => UsageStoreFactory, options: { timeout?: number } = {}): void {
  describe(`UsageStore contract: ${backend}`, { timeout: options.timeout }, () => {
    let stores: UsageStoreFactory;
    let opened: Array<{ flags: FlagStore; usage: UsageStore }>;
    const open = async () => {
      const pair = await stores.open();
      opened.push(pair);
      return pair;
    };
    const write = (flags: FlagStore, ...changes: ChangeData[]) =>
      flags.write(0, (_missed, writer) => {
        for (const data of changes) writer.append(data, null, NOW);
      });
    beforeEach(async () => {
      stores = factory();
      opened = [];
      const { flags } = await open();
      await write(
        flags,
        { kind: "feature.created", feature: "a", enabled: true, description: "", salt: "s" },
        { kind: "feature.created", feature: "b", enabled: true, description: "", salt: "s" },
      );
    });
    afterEach(async () => {
      for (const { flags, usage } of opened) {
        await usage.close();
        await flags.close();
      }
      await stores.cleanup();
    });

    it("adds batches per day and keeps the latest time, summed over processes", async () => {
      const first = (await open()).usage;
      const second = (await open()).usage;
      await first.recordUsage({ at: NOW - DAY_MS, counts: new Map([["a", 2]]) });
      await first.recordUsage({ at: NOW, counts: new Map([["a", 3], ["b", 1]]) });
      await second.recordUsage({ at: NOW - 1000, counts: new Map([["a", 4]]) });
      const usage = await second.readUsage(usageDay(NOW) - 29);
      expect(usage.get("a")).toEqual({ lastEvaluatedAt: NOW, days: new Map([[usageDay(NOW) - 1, 2], [usageDay(NOW), 7]]) });
      expect(usage.get("b")).toEqual({ lastEvaluatedAt: NOW, days: new Map([[usageDay(NOW), 1]]) });
      expect((await first.readUsage(usageDay(NOW))).get("a")?.days).toEqual(new Map([[usageDay(NOW), 7]]));
    });

    it("follows a rename, drops a deleted feature and ignores names of no feature", async () => {
      const { flags, usage } = await open();
      await usage.recordUsage({ at: NOW, counts: new Map([["a", 1], ["b", 1], ["ghost", 5]]) });
      await write(flags, { kind: "feature.renamed", feature: "a", newName: "a2" }, { kind: "feature.deleted", feature: "b" });
      const read = await usage.readUsage(0);
      expect([...read.keys()]).toEqual(["a2"]);
      expect(read.get("a2")?.days.get(usageDay(NOW))).toBe(1);
    });

    it("may prune old day rows but keeps the last evaluation", async () => {
      const { usage } = await open();
      await usage.recordUsage({ at: NOW - (USAGE_DAYS_KEPT + 5) * DAY_MS, counts: new Map([["a", 9]]) });
      await usage.recordUsage({ at: NOW, counts: new Map([["b", 1]]) });
      const read = await usage.readUsage(0);
      expect(read.get("a")).toEqual({ lastEvaluatedAt: NOW - (USAGE_DAYS_KEPT + 5) * DAY_MS, days: new Map() });
    });
  });
}
