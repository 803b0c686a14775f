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

/** The resolution details of one outcome at one revision, as the already-resolved promise a provider answers. */
interface Resolved {
  readonly revision: number;
  readonly promise: Promise<ResolutionDetails<boolean>>;
}

/**
 * {@link resolutionDetails} as an already-resolved promise, made once per outcome, targeting and revision and
 * shared by every resolution with the same answer: evaluation returns a few shared outcome objects, and between
 * changes the answers repeat. The details are frozen, since every caller gets the same object (the SDK copies them
 * into its own evaluation details).
 */
export function createResolvedDetails(): (evaluation: Evaluation, targeted: boolean, revision: number) => Promise<ResolutionDetails<boolean>> {
  // [untargeted, targeted] per outcome object; weak keys, so that a renamed or deleted segment's outcomes can go.
  const byOutcome = new WeakMap<Evaluation, [Resolved | undefined, Resolved | undefined]>();
  return (evaluation, targeted, revision) => {
    let pair = byOutcome.get(evaluation);
    if (pair === undefined) byOutcome.set(evaluation, (pair = [undefined, undefined]));
    const slot = targeted ? 1 : 0;
    let resolved = pair[slot];
    if (resolved === undefined || resolved.revision !== revision) {
      const details = resolutionDetails(evaluation, targeted, revision);
      Object.freeze(details.flagMetadata);
      resolved = pair[slot] = { revision, promise: Promise.resolve(Object.freeze(details)) };
    }
    return resolved.promise;
  };
}
