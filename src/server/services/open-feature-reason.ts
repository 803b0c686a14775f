import type { Evaluation } from "../../domain/evaluate.js";
import type { FeatureRecord } from "../../domain/flag-state.js";

/** The OpenFeature standard resolution reasons flagwire answers with (OpenFeature spec, "Resolution Details"). */
export type OpenFeatureReason = "STATIC" | "DEFAULT" | "TARGETING_MATCH" | "SPLIT";

/** Whether anything but the global value can decide the feature for some context: an override, a segment rule or a rollout. */
export function hasTargeting(feature: FeatureRecord): boolean {
  return feature.customerOverrides.size > 0 || feature.userOverrides.size > 0 || feature.segmentRules.size > 0 || feature.rollout !== null;
}

/**
 * Our reason in OpenFeature's words: overrides and segment rules are TARGETING_MATCH, a rollout is SPLIT, and the
 * global value is STATIC when the feature has no targeting at all (flagd providers may cache it until a change
 * names the feature), DEFAULT otherwise.
 */
export function openFeatureReason(evaluation: Evaluation, feature: FeatureRecord): OpenFeatureReason {
  switch (evaluation.reason) {
    case "USER_OVERRIDE":
    case "CUSTOMER_OVERRIDE":
    case "SEGMENT":
      return "TARGETING_MATCH";
    case "ROLLOUT":
      return "SPLIT";
    case "DEFAULT":
    case "DEFAULT_NO_STICKINESS_ID":
      return hasTargeting(feature) ? "DEFAULT" : "STATIC";
  }
}

/** The variant of a boolean value: "on" or "off". */
export function variantOf(enabled: boolean): "on" | "off" {
  return enabled ? "on" : "off";
}
