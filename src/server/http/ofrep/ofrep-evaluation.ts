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

/**
 * The JSON text of {@link ofrepEvaluation}'s body, byte for byte what `JSON.stringify` makes of it, written without
 * building the two objects: the single-flag answer is OFREP's hot path.
 */
export function ofrepEvaluationJson(key: string, evaluation: Evaluation, feature: FeatureRecord | undefined, revision: number): string {
  const { enabled, reason, segment } = evaluation;
  const openFeature = openFeatureReason(reason, feature === undefined || hasTargeting(feature));
  const segmentJson = segment === undefined ? "" : `,"segment":${JSON.stringify(segment)}`;
  // The reasons and the variant are fixed words (no character JSON escapes); the revision is an integer.
  return `{"key":${JSON.stringify(key)},"value":${enabled},"variant":"${variantOf(enabled)}","reason":"${openFeature}","metadata":{"reason":"${reason}"${segmentJson},"revision":${JSON.stringify(revision)}}}`;
}
