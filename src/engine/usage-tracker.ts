import { usageDay, type FeatureUsage, type UsageStore } from "../store/usage-store.js";

/** A feature's use as the API shows it: summed over every process, plus this process's counts not yet flushed. */
export interface UsageSummary {
  /** Milliseconds since the epoch; undefined when the feature was never evaluated. */
  lastEvaluatedAt: number | undefined;
  /** Evaluations in the current UTC day, the last 7 UTC days and the last 30 UTC days (today included). */
  today: number;
  last7Days: number;
  last30Days: number;
}

/** Options of {@link createUsageTracker}. */
export interface UsageTrackerOptions {
  store: UsageStore;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  /** How often counts are flushed to the store (and others' re-read); default 10 s. 0 turns the timer off. */
  flushIntervalMs?: number;
  /** Told when a flush fails; its counts are kept for the next one. */
  onFlushError?: (err: unknown) => void;
}

/** Counts evaluations in memory and flushes them in aggregate: never a write per evaluation. */
export interface UsageTracker {
  /** One evaluation of `feature` (a name that exists: counted after evaluating it). */
  count(feature: string): void;
  /** `n` evaluations of `feature` (EvaluateBatch). */
  countMany(feature: string, n: number): void;
  /** One evaluation of each of `features`, the engine's list of names at one revision (EvaluateAll): one map update per call. */
  countAll(features: readonly string[]): void;
  /** What is known of `feature`'s use (read from the store at the last flush, plus what is pending here). */
  usageOf(feature: string): UsageSummary;
  /** Writes what was counted since the last flush (when anything was) and re-reads every process's sums. */
  flush(): Promise<void>;
  /** Stops the timer and flushes one last time. */
  close(): Promise<void>;
}

const NEVER: UsageSummary = { lastEvaluatedAt: undefined, today: 0, last7Days: 0, last30Days: 0 };

/**
 * Creates the tracker and reads the stored usage once. A flush bumps a SQLite file's data_version, so other
 * processes on the file then look for new changes (and find none): the default of one flush every 10 s per
 * process keeps that negligible.
 */
export async function createUsageTracker(options: UsageTrackerOptions): Promise<UsageTracker> {
  const { store } = options;
  const clock = options.clock ?? Date.now;
  let pending = new Map<string, number>();
  // When usageOf first saw each pending count: a read with no evaluation since answers the same time again.
  let seen = new Map<string, { count: number; at: number }>();
  // EvaluateAll counts per list of names: the engine answers one list per revision and never changes it, so each is exact.
  let pendingAll = new Map<readonly string[], number>();
  let stored = new Map<string, FeatureUsage>();
  let storedAt = clock();
  let running: Promise<void> = Promise.resolve();

  const fold = (): void => {
    if (pendingAll.size === 0) return;
    for (const [features, n] of pendingAll) for (const name of features) pending.set(name, (pending.get(name) ?? 0) + n);
    pendingAll = new Map();
  };
  const refresh = async (): Promise<void> => {
    const now = clock();
    stored = await store.readUsage(usageDay(now) - 29);
    storedAt = now;
  };
  const flushOnce = async (): Promise<void> => {
    fold();
    const counts = pending;
    if (counts.size > 0) {
      pending = new Map();
      seen = new Map();
      try {
        await store.recordUsage({ at: clock(), counts });
      } catch (err) {
        // Kept for the next flush: usage is lost only if the process ends while the store is down.
        fold();
        for (const [name, n] of counts) pending.set(name, (pending.get(name) ?? 0) + n);
        throw err;
      }
    }
    await refresh();
  };
  const flush = (): Promise<void> => {
    running = running.catch(() => undefined).then(flushOnce);
    return running;
  };
  await refresh();
  const interval = options.flushIntervalMs ?? 10_000;
  const timer = interval > 0 ? setInterval(() => flush().catch((err: unknown) => options.onFlushError?.(err)), interval) : undefined;
  timer?.unref();

  return {
    count(feature) {
      pending.set(feature, (pending.get(feature) ?? 0) + 1);
    },
    countMany(feature, n) {
      if (n > 0) pending.set(feature, (pending.get(feature) ?? 0) + n);
    },
    countAll(features) {
      pendingAll.set(features, (pendingAll.get(features) ?? 0) + 1);
    },
    usageOf(feature) {
      fold();
      const local = pending.get(feature) ?? 0;
      const usage = stored.get(feature);
      if (!usage && local === 0) return NEVER;
      const today = usageDay(storedAt);
      const summary = { lastEvaluatedAt: usage?.lastEvaluatedAt, today: local, last7Days: local, last30Days: local };
      for (const [day, n] of usage?.days ?? []) {
        if (day === today) summary.today += n;
        if (day > today - 7) summary.last7Days += n;
        if (day > today - 30) summary.last30Days += n;
      }
      // Counted here since the last flush: evaluated within the flush interval, no later than the first read that saw it.
      if (local > 0) {
        let first = seen.get(feature);
        if (first?.count !== local) seen.set(feature, (first = { count: local, at: clock() }));
        summary.lastEvaluatedAt = Math.max(summary.lastEvaluatedAt ?? 0, first.at);
      }
      return summary;
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
