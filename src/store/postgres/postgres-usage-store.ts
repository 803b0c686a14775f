import { USAGE_DAYS_KEPT, usageDay, type FeatureUsage, type UsageStore } from "../usage-store.js";
import type { PostgresDatabase } from "./postgres-database.js";

type UsageRow = { name: string; last_evaluated_at: string; day: number | null; evaluations: string | null };

/**
 * The usage tables of a flagwire database on PostgreSQL. Each batch is one statement of UPSERTs that add to what
 * other replicas wrote (never a read-modify-write in memory), sent as arrays so a batch is one round trip.
 */
export function openPostgresUsageStore(database: PostgresDatabase): UsageStore {
  database.retain();
  return {
    async recordUsage(batch) {
      const names: string[] = [];
      const counts: number[] = [];
      for (const [name, count] of batch.counts) {
        if (count <= 0) continue;
        names.push(name);
        counts.push(count);
      }
      if (names.length === 0) return;
      const day = usageDay(batch.at);
      // One implicit transaction: the three statements of a multi-statement query commit together.
      await database.query(
        `WITH batch AS (SELECT f.id, b.n FROM unnest($1::text[], $2::bigint[]) AS b (name, n) JOIN features f ON f.name = b.name),
         last AS (
           INSERT INTO feature_usage (feature_id, last_evaluated_at) SELECT id, $3 FROM batch
           ON CONFLICT (feature_id) DO UPDATE SET last_evaluated_at = GREATEST(feature_usage.last_evaluated_at, excluded.last_evaluated_at)
         ),
         days AS (
           INSERT INTO feature_usage_days (feature_id, day, evaluations) SELECT id, $4, n FROM batch
           ON CONFLICT (feature_id, day) DO UPDATE SET evaluations = feature_usage_days.evaluations + excluded.evaluations
         )
         DELETE FROM feature_usage_days WHERE day < $5`,
        [names, counts, batch.at, day, day - USAGE_DAYS_KEPT],
      );
    },
    async readUsage(sinceDay) {
      const rows = await database.query<UsageRow>(
        `SELECT f.name, u.last_evaluated_at, d.day, d.evaluations FROM feature_usage u
         JOIN features f ON f.id = u.feature_id
         LEFT JOIN feature_usage_days d ON d.feature_id = u.feature_id AND d.day >= $1`,
        [sinceDay],
      );
      const usage = new Map<string, { lastEvaluatedAt: number; days: Map<number, number> }>();
      for (const row of rows) {
        let entry = usage.get(row.name);
        if (!entry) usage.set(row.name, (entry = { lastEvaluatedAt: Number(row.last_evaluated_at), days: new Map() }));
        if (row.day !== null) entry.days.set(Number(row.day), Number(row.evaluations ?? 0));
      }
      return usage as Map<string, FeatureUsage>;
    },
    close: () => database.release(),
  } satisfies UsageStore;
}
