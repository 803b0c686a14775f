import type { Evaluation } from "../../../domain/evaluate.js";
import { hasTargeting } from "../../../domain/has-targeting.js";
import { flagwireMetadata, openFeatureReason, variantOf, type FlagwireMetadata, type OpenFeatureReason } from "../../../domain/open-feature.js";
import type { FeatureRecord } from "../../../domain/flag-state.js";

/** One flag's OFREP success body: a boolean value, its variant, the reason and flagwire's own account in metadata. */
export interface OfrepEvaluation {
  key: string;
  value: boolean;
  variant: "on" | "off";
  reason: OpenFeatureReason;
  /** Primitives only (OpenFeature's flag metadata): flagwire's reason, the deciding segment, the revision. */
  metadata: FlagwireMetadata;
}

/** The OFREP body of one evaluation of `key`, at `revision`; `feature` is its record, read in the same turn. */
export function ofrepEvaluation(key: string, evaluation: Evaluation, feature: FeatureRecord | undefined, revision: number): OfrepEvaluation {
  return {
    key,
    value: evaluation.enabled,
    variant: variantOf(evaluation.enabled),
    // An unknown feature never gets here (FLAG_NOT_FOUND); undefined only in a race with its deletion: not STATIC then.
    reason: openFeatureReason(evaluation.reason, feature === undefined || hasTargeting(feature)),
    metadata: flagwireMetadata(evaluation, revision),
  };
}
