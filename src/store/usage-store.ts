/** Milliseconds in a day: usage counts are kept per UTC day. */
export const DAY_MS = 86_400_000;

/** Days of per-day counts a usage store keeps; older day rows may be deleted at any flush. */
export const USAGE_DAYS_KEPT = 35;

/** The UTC day (days since the epoch) that a time in milliseconds falls on. */
export function usageDay(at: number): number {
  return Math.floor(at / DAY_MS);
}

/** One flush of one process: evaluations counted in memory since its last flush. */
export interface UsageBatch {
  /**
   * Milliseconds since the epoch, when the batch was flushed: the UTC day its counts are added to, and the
   * last-evaluated time of each feature in it (exact to within the flush interval).
   */
  at: number;
  /** Evaluations per feature name, each > 0. A name that names no feature (deleted since) is dropped. */
  counts: ReadonlyMap<string, number>;
}

/** What the store holds of one feature's use, summed over every process that shares the database. */
export interface FeatureUsage {
  /** The latest `at` of a batch that counted the feature. */
  lastEvaluatedAt: number;
  /** Evaluations per UTC day ({@link usageDay}), for the days asked for that have any. */
  days: ReadonlyMap<number, number>;
}

/**
 * Aggregated flag usage, shared by every process on one database. Written in aggregate (a few writes a minute,
 * never one per evaluation) and keyed by feature, not by name: a rename keeps the feature's usage, and deleting
 * the feature deletes it.
 */
export interface UsageStore {
  /**
   * Adds the batch in one transaction: for each feature, count += n on the row of `usageDay(at)` and
   * lastEvaluatedAt = max(lastEvaluatedAt, at); concurrent batches of other processes add up (an UPSERT, never a
   * read-modify-write in memory). May delete day rows older than {@link USAGE_DAYS_KEPT} days before `at`.
   */
  recordUsage(batch: UsageBatch): Promise<void>;
  /** The usage of every feature evaluated at least once, by its current name, with the day counts from `sinceDay` on. */
  readUsage(sinceDay: number): Promise<Map<string, FeatureUsage>>;
  /** Closes what the store opened; the store must not be used afterwards. */
  close(): Promise<void>;
}
