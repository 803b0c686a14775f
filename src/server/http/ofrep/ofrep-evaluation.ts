import type { Evaluation, Reason } from "../../../domain/evaluate.js";
import type { FeatureRecord } from "../../../domain/flag-state.js";

/** OpenFeature's resolution reasons that flagwire's evaluations map to. */
export type OfrepReason = "TARGETING_MATCH" | "SPLIT" | "STATIC" | "DEFAULT";

/** One flag's OFREP success body: a boolean value, its variant, the reason and flagwire's own account in metadata. */
export interface OfrepEvaluation {
  key: string;
  value: boolean;
  variant: "on" | "off";
  reason: OfrepReason;
  /** Primitives only (OpenFeature's flag metadata): flagwire's reason, the deciding segment, the revision. */
  metadata: { reason: Reason; segment?: string; revision: number };
}

const TARGETED: Record<Reason, OfrepReason> = {
  USER_OVERRIDE: "TARGETING_MATCH",
  CUSTOMER_OVERRIDE: "TARGETING_MATCH",
  SEGMENT: "TARGETING_MATCH",
  ROLLOUT: "SPLIT",
  DEFAULT: "DEFAULT",
  DEFAULT_NO_STICKINESS_ID: "DEFAULT",
};

/**
 * The OpenFeature reason of an evaluation: overrides and segment rules are TARGETING_MATCH, a rollout SPLIT, and
 * the global value STATIC when the feature has no targeting at all (no override, segment rule or rollout: every
 * context gets it), DEFAULT otherwise (the fallback of rules that did not apply to this context).
 */
export function ofrepReason(evaluation: Evaluation, feature: FeatureRecord | undefined): OfrepReason {
  const reason = TARGETED[evaluation.reason];
  if (reason !== "DEFAULT" || evaluation.reason !== "DEFAULT" || feature === undefined) return reason;
  const untargeted =
    feature.rollout === null && feature.customerOverrides.size === 0 && feature.userOverrides.size === 0 && feature.segmentRules.size === 0;
  return untargeted ? "STATIC" : "DEFAULT";
}

/** The OFREP body of one evaluation of `key`, at `revision`; `feature` is its record, read in the same turn. */
export function ofrepEvaluation(key: string, evaluation: Evaluation, feature: FeatureRecord | undefined, revision: number): OfrepEvaluation {
  const metadata: OfrepEvaluation["metadata"] = { reason: evaluation.reason, revision };
  if (evaluation.segment !== undefined) metadata.segment = evaluation.segment;
  return {
    key,
    value: evaluation.enabled,
    variant: evaluation.enabled ? "on" : "off",
    reason: ofrepReason(evaluation, feature),
    metadata,
  };
}
