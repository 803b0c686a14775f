import type { FeatureRecord, FlagState } from "../domain/flag-state.js";
import { pageOfKeys, type Page, type PageRequest } from "../domain/pagination.js";
import { searchTest } from "../domain/search-text.js";
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
 * INVALID_ARGUMENT for days outside 1-3650. With a query, only those whose name or description contains it, as ListFeatures.
 */
export function listStaleFeatures(
  state: FlagState,
  usage: Pick<UsageTracker, "usageOf">,
  days: number,
  now: number,
  page: PageRequest,
  query = "",
): Page<StaleFeature> {
  checkStaleDays(days);
  const test = searchTest(query);
  const cutoff = now - days * DAY_MS;
  const reasons = new Map<string, StaleReason[]>();
  const found = pageOfKeys("stale-features", state.featureNames.all, page, (name) => {
    if (test && !test(name) && !test((state.features.get(name) as FeatureRecord).description)) return false;
    const why = staleReasons(state.features.get(name) as FeatureRecord, usage.usageOf(name).lastEvaluatedAt, cutoff);
    if (why.length > 0) reasons.set(name, why);
    return why.length > 0;
  });
  return {
    ...found,
    items: found.items.map((name) => ({ feature: state.features.get(name) as FeatureRecord, reasons: reasons.get(name) as StaleReason[] })),
  };
}
