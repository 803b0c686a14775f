import { USAGE_DAYS_KEPT, usageDay, type FeatureUsage, type UsageStore } from "../usage-store.js";
import { openDatabase } from "./open-database.js";
import { settle } from "./settle.js";
import { storageError } from "./storage-error.js";

type UsageRow = { name: string; last_evaluated_at: number; day: number | null; evaluations: number | null };

/**
 * Opens the usage tables of a flagwire database on a connection of its own. Each batch is one short
 * transaction of UPSERTs that add to what other processes wrote; it bumps the file's `data_version`, so the
 * other processes on the file look for new changes (and find none): one reason flushes are infrequent.
 */
export function openSqliteUsageStore(options: { path: string; inspected?: boolean }): UsageStore {
  const db = openDatabase(options.path, { inspected: options.inspected });
  const sql = {
    last: db.prepare(
      `INSERT INTO feature_usage (feature_id, last_evaluated_at) SELECT id, @at FROM features WHERE name = @name
       ON CONFLICT (feature_id) DO UPDATE SET last_evaluated_at = MAX(last_evaluated_at, excluded.last_evaluated_at)`,
    ),
    day: db.prepare(
      `INSERT INTO feature_usage_days (feature_id, day, evaluations) SELECT id, @day, @count FROM features WHERE name = @name
       ON CONFLICT (feature_id, day) DO UPDATE SET evaluations = evaluations + excluded.evaluations`,
    ),
    prune: db.prepare("DELETE FROM feature_usage_days WHERE day < ?"),
    read: db.prepare(
      `SELECT f.name, u.last_evaluated_at, d.day, d.evaluations FROM feature_usage u
       JOIN features f ON f.id = u.feature_id
       LEFT JOIN feature_usage_days d ON d.feature_id = u.feature_id AND d.day >= ?`,
    ),
  };
  const record = db.transaction((at: number, counts: ReadonlyMap<string, number>) => {
    const day = usageDay(at);
    for (const [name, count] of counts) {
      if (count <= 0) continue;
      sql.last.run({ name, at });
      sql.day.run({ name, day, count });
    }
    sql.prune.run(day - USAGE_DAYS_KEPT);
  });
  const guarded = <T>(run: () => T): Promise<T> =>
    settle(() => {
      try {
        return run();
      } catch (err) {
        throw storageError(options.path, err);
      }
    });
  return {
    recordUsage: (batch) => guarded(() => record(batch.at, batch.counts)),
    readUsage: (sinceDay) =>
      guarded(() => {
        const usage = new Map<string, { lastEvaluatedAt: number; days: Map<number, number> }>();
        for (const row of sql.read.all(sinceDay) as UsageRow[]) {
          let entry = usage.get(row.name);
          if (!entry) usage.set(row.name, (entry = { lastEvaluatedAt: row.last_evaluated_at, days: new Map() }));
          if (row.day !== null) entry.days.set(row.day, row.evaluations ?? 0);
        }
        return usage as Map<string, FeatureUsage>;
      }),
    close: () => settle(() => void db.close()),
  } satisfies UsageStore;
}
