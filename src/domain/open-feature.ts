import type { Evaluation, Reason } from "./evaluate.js";

/** The OpenFeature standard resolution reasons flagwire's evaluations map to (OpenFeature spec, "Resolution Details"). */
export type OpenFeatureReason = "TARGETING_MATCH" | "SPLIT" | "STATIC" | "DEFAULT";

/** flagwire's own account of an evaluation, as every OpenFeature protocol carries it in its flag metadata. */
export interface FlagwireMetadata {
  reason: Reason;
  /** The deciding segment, when a segment rule decided. */
  segment?: string;
  /** The revision the answer holds at. */
  revision: number;
}

const TARGETED: Record<Reason, OpenFeatureReason | undefined> = {
  USER_OVERRIDE: "TARGETING_MATCH",
  CUSTOMER_OVERRIDE: "TARGETING_MATCH",
  SEGMENT: "TARGETING_MATCH",
  ROLLOUT: "SPLIT",
  DEFAULT: undefined,
  DEFAULT_NO_STICKINESS_ID: undefined,
};

/**
 * Our reason in OpenFeature's words, the same on OFREP, flagd's protocol and the in-process provider: overrides and
 * segment rules are TARGETING_MATCH, a rollout is SPLIT, and the global value is STATIC when nothing targets the
 * feature (`targeted`: see hasTargeting; flagd providers may cache a STATIC value until a change names the feature),
 * DEFAULT otherwise.
 */
export function openFeatureReason(reason: Reason, targeted: boolean): OpenFeatureReason {
  return TARGETED[reason] ?? (targeted ? "DEFAULT" : "STATIC");
}

/** The variant of a boolean value: "on" or "off". */
export function variantOf(enabled: boolean): "on" | "off" {
  return enabled ? "on" : "off";
}

/** The flag metadata of an evaluation at `revision`: our reason, the deciding segment (if any) and the revision. */
export function flagwireMetadata(evaluation: Evaluation, revision: number): FlagwireMetadata {
  return evaluation.segment === undefined
    ? { reason: evaluation.reason, revision }
    : { reason: evaluation.reason, segment: evaluation.segment, revision };
}
