import type { FlagMetadata, ResolutionDetails, ResolutionReason } from "@openfeature/server-sdk";
import type { Evaluation, Reason } from "../client/index.js";

// flagwire's reasons in OpenFeature's words, as the OFREP endpoint answers them (issue 16): a rule about this
// context matched, or it fell in a rollout's split, or the global value applied.
const TARGETED_REASONS: Record<Reason, ResolutionReason | undefined> = {
  USER_OVERRIDE: "TARGETING_MATCH",
  CUSTOMER_OVERRIDE: "TARGETING_MATCH",
  SEGMENT: "TARGETING_MATCH",
  ROLLOUT: "SPLIT",
  DEFAULT: undefined,
  DEFAULT_NO_STICKINESS_ID: undefined,
};

/**
 * An evaluation as OpenFeature resolution details: value, variant `on`/`off`, the OpenFeature reason
 * (global value: STATIC when nothing targets the feature, DEFAULT otherwise) and flagwire's own reason,
 * deciding segment and revision in the metadata.
 */
export function resolutionDetails(evaluation: Evaluation, targeted: boolean, revision: number): ResolutionDetails<boolean> {
  const flagMetadata: FlagMetadata =
    evaluation.segment === undefined
      ? { reason: evaluation.reason, revision }
      : { reason: evaluation.reason, segment: evaluation.segment, revision };
  return {
    value: evaluation.enabled,
    variant: evaluation.enabled ? "on" : "off",
    reason: TARGETED_REASONS[evaluation.reason] ?? (targeted ? "DEFAULT" : "STATIC"),
    flagMetadata,
  };
}
