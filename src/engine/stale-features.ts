import type { FeatureRecord, FlagState } from "../domain/flag-state.js";
import { pageOfKeys, type Page, type PageRequest } from "../domain/pagination.js";
import { checkStaleDays, staleReasons, type StaleReason } from "../domain/stale.js";
import { DAY_MS } from "../store/usage-store.js";
import type { UsageTracker } from "./usage-tracker.js";

/** A stale feature and why. */
export interface StaleFeature {
  feature: FeatureRecord;
  reasons: StaleReason[];
}

/**
 * The features stale for `days` days at `now` ({@link staleReasons}), paged in name order like ListFeatures;
 * INVALID_ARGUMENT for days outside 1-3650.
 */
export function listStaleFeatures(
  state: FlagState,
  usage: Pick<UsageTracker, "usageOf">,
  days: number,
  now: number,
  page: PageRequest,
): Page<StaleFeature> {
  checkStaleDays(days);
  const cutoff = now - days * DAY_MS;
  const reasons = new Map<string, StaleReason[]>();
  const found = pageOfKeys("stale-features", state.featureNames.all, page, (name) => {
    const why = staleReasons(state.features.get(name) as FeatureRecord, usage.usageOf(name).lastEvaluatedAt, cutoff);
    if (why.length > 0) reasons.set(name, why);
    return why.length > 0;
  });
  return {
    ...found,
    items: found.items.map((name) => ({ feature: state.features.get(name) as FeatureRecord, reasons: reasons.get(name) as StaleReason[] })),
  };
}
