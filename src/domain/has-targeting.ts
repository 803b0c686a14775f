import type { FeatureRecord } from "./flag-state.js";

/** Whether anything but the global value can decide the feature: an override, a segment rule or a rollout. */
export function hasTargeting(feature: FeatureRecord): boolean {
  return feature.rollout !== null || feature.customerOverrides.size > 0 || feature.userOverrides.size > 0 || feature.segmentRules.size > 0;
}
