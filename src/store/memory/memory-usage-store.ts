import type { Change } from "../../domain/change.js";
import { DomainError } from "../../domain/domain-error.js";
import { USAGE_DAYS_KEPT, usageDay, type FeatureUsage, type UsageStore } from "../usage-store.js";
import type { MemoryDatabase } from "./memory-database.js";

interface UsageRow {
  lastEvaluatedAt: number;
  days: Map<number, number>;
}

/** Usage rows of a {@link MemoryDatabase}, keyed by the revision that created the feature (its identity). */
const USAGE = new WeakMap<MemoryDatabase, Map<number, UsageRow>>();

/**
 * The usage of an in-memory database, for tests: the same semantics as SQLite's (keyed by feature, so that a
 * rename keeps its usage and a delete drops it), shared by every store opened on the same database.
 */
export function openMemoryUsageStore(database: MemoryDatabase): UsageStore {
  let rows = USAGE.get(database);
  if (!rows) USAGE.set(database, (rows = new Map()));
  const table = rows;
  let open = true;
  const ready = <T>(run: () => T): Promise<T> =>
    open ? Promise.resolve(run()) : Promise.reject(new DomainError("UNAVAILABLE", "the in-memory store is closed"));
  return {
    recordUsage: (batch) =>
      ready(() => {
        const ids = featureIds(database.history);
        const day = usageDay(batch.at);
        for (const [name, count] of batch.counts) {
          const id = ids.get(name);
          if (id === undefined || count <= 0) continue;
          let row = table.get(id);
          if (!row) table.set(id, (row = { lastEvaluatedAt: batch.at, days: new Map() }));
          row.lastEvaluatedAt = Math.max(row.lastEvaluatedAt, batch.at);
          row.days.set(day, (row.days.get(day) ?? 0) + count);
        }
        // Like SQLite's: every feature's old day rows go, not only those of the batch.
        for (const row of table.values()) for (const kept of row.days.keys()) if (kept < day - USAGE_DAYS_KEPT) row.days.delete(kept);
      }),
    readUsage: (sinceDay) =>
      ready(() => {
        const usage = new Map<string, FeatureUsage>();
        for (const [name, id] of featureIds(database.history)) {
          const row = table.get(id);
          if (!row) continue;
          const days = new Map([...row.days].filter(([day]) => day >= sinceDay));
          usage.set(name, { lastEvaluatedAt: row.lastEvaluatedAt, days });
        }
        return usage;
      }),
    close() {
      open = false;
      return Promise.resolve();
    },
  } satisfies UsageStore;
}

/** The current features' names and identities (the revision of their creation), replayed from the history. */
function featureIds(history: readonly Change[]): Map<string, number> {
  const ids = new Map<string, number>();
  for (const change of history) {
    if (change.kind === "feature.created") ids.set(change.feature, change.revision);
    else if (change.kind === "feature.renamed") {
      const id = ids.get(change.feature);
      ids.delete(change.feature);
      if (id !== undefined) ids.set(change.newName, id);
    } else if (change.kind === "feature.deleted") ids.delete(change.feature);
  }
  return ids;
}
