import { FeatureRecord, type SegmentRecord } from "../domain/flag-state.js";

/**
 * Copies of the state's records, as a write's `view` returns them: the records change in place, and a later write
 * of the same group commit must not change what an earlier write's response shows.
 */

/** A feature as it stands now: its fields, overrides and rules (each rule's segment named as it is now). */
export function copyFeature(feature: FeatureRecord): FeatureRecord {
  const copy = new FeatureRecord(feature);
  for (const [id, enabled] of feature.customerOverrides) copy.customerOverrides.set(id, enabled);
  for (const [id, enabled] of feature.userOverrides) copy.userOverrides.set(id, enabled);
  for (const [segment, enabled] of feature.segmentRules) copy.segmentRules.set(copySegment(segment), enabled);
  copy.lastChange = feature.lastChange;
  return copy;
}

/** A segment as it stands now: its name, members and the features with a rule for it. */
export function copySegment(segment: SegmentRecord): SegmentRecord {
  return {
    ...segment,
    customerIds: new Set(segment.customerIds),
    userIds: new Set(segment.userIds),
    ruleFeatures: new Set(segment.ruleFeatures),
  };
}
