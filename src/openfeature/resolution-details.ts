import type { FlagMetadata, ResolutionDetails } from "@openfeature/server-sdk";
import { flagwireMetadata, openFeatureReason, variantOf, type Evaluation } from "../client/index.js";

/**
 * An evaluation as OpenFeature resolution details, in the same words as the OFREP and flagd endpoints: value,
 * variant `on`/`off`, the OpenFeature reason (global value: STATIC when nothing targets the feature, DEFAULT
 * otherwise) and flagwire's own reason, deciding segment and revision in the metadata.
 */
export function resolutionDetails(evaluation: Evaluation, targeted: boolean, revision: number): ResolutionDetails<boolean> {
  return {
    value: evaluation.enabled,
    variant: variantOf(evaluation.enabled),
    reason: openFeatureReason(evaluation.reason, targeted),
    flagMetadata: flagwireMetadata(evaluation, revision) as unknown as FlagMetadata,
  };
}
