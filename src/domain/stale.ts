import { DomainError } from "./domain-error.js";
import type { FeatureRecord } from "./flag-state.js";

/** Why a feature counts as stale: nobody evaluates it, or it serves one value to everyone and nobody touches it. */
export type StaleReason = "NOT_EVALUATED" | "UNIFORM";

/** The most days a stale query may look back: ten years. */
export const MAX_STALE_DAYS = 3650;

/** Refuses a stale period that is not a whole number of days in 1-{@link MAX_STALE_DAYS}. */
export function checkStaleDays(days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > MAX_STALE_DAYS) {
    throw new DomainError("INVALID_ARGUMENT", `stale days ${days} is out of range: use a whole number of days from 1 to ${MAX_STALE_DAYS}`);
  }
}

/** Whether every context gets the feature's global value: no override, no segment rule, no partial rollout. */
export function servesOneValue(feature: FeatureRecord): boolean {
  const rollout = feature.rollout;
  return (
    feature.customerOverrides.size === 0 &&
    feature.userOverrides.size === 0 &&
    feature.segmentRules.size === 0 &&
    (rollout === null || rollout.basisPoints === 0 || rollout.basisPoints === 10_000)
  );
}

/**
 * Why `feature` is stale at `cutoff` (now minus the stale period), if it is: NOT_EVALUATED when its last evaluation
 * (or, never evaluated, its creation) is before the cutoff; UNIFORM when it serves one value to everyone and neither
 * its own fields nor its overrides and rules (its last change, when the log still holds it) changed since the cutoff:
 * clearing its last override yesterday is a change.
 */
export function staleReasons(feature: FeatureRecord, lastEvaluatedAt: number | undefined, cutoff: number): StaleReason[] {
  const reasons: StaleReason[] = [];
  if ((lastEvaluatedAt ?? feature.createdAt) < cutoff) reasons.push("NOT_EVALUATED");
  const changedAt = Math.max(feature.updatedAt, feature.lastChange?.at ?? 0);
  if (servesOneValue(feature) && changedAt < cutoff) reasons.push("UNIFORM");
  return reasons;
}
