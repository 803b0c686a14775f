import type { ChangeData } from "./change.js";
import type { FeatureRecord, FlagState, SegmentRecord } from "./flag-state.js";

/**
 * The features whose evaluation, for some context, may differ once `change` is applied to `state` (call it
 * before applying: a delete's cascade is read from what is still there). A renamed feature or segment counts
 * too, since answers name them. It may say too much, never too little: watchers re-read what it names and
 * miss nothing.
 */
export function featuresAffectedBy(state: FlagState, change: ChangeData): string[] {
  switch (change.kind) {
    case "feature.renamed":
      return [change.feature, change.newName];
    case "feature.created":
    case "feature.deleted":
    case "feature.enabled_set":
    case "override.set":
    case "override.cleared":
    case "rollout.set":
    case "rollout.cleared":
    case "segment_rule.set":
    case "segment_rule.cleared":
      return [change.feature];
    // Nothing refers to a customer, user or segment that did not exist yet.
    case "customer.created":
    case "segment.created":
      return [];
    case "customer.deleted": {
      const customer = state.customers.get(change.customerId);
      return customer ? featuresTargeting(state, [change.customerId], [...customer.userIds], customer.userIds.size > 0) : [];
    }
    case "user.created":
      // The user now evaluates as its customer does: the features that target that customer.
      return change.customerId === null ? [] : featuresTargeting(state, [change.customerId], [], true);
    case "user.deleted": {
      const user = state.users.get(change.userId);
      if (!user) return [];
      return user.customerId === null
        ? featuresTargeting(state, [], [change.userId], false)
        : featuresTargeting(state, [user.customerId], [change.userId], true);
    }
    case "segment.renamed":
    case "segment.deleted":
    case "segment.members_added":
    case "segment.members_removed":
      return namesOf(state.segments.get(change.segment)?.ruleFeatures ?? []);
  }
}

/**
 * The features with an override for one of these customers or users, or a rule for a segment holding one; and,
 * when a user gains or loses its customer (`userLinkChanges`), those whose rollout buckets by customer, since a
 * context of that user alone buckets by the user's customer.
 */
function featuresTargeting(state: FlagState, customerIds: readonly string[], userIds: readonly string[], userLinkChanges: boolean): string[] {
  const segments = new Set<SegmentRecord>();
  for (const segment of state.segments.values()) {
    if (customerIds.some((id) => segment.customerIds.has(id)) || userIds.some((id) => segment.userIds.has(id))) segments.add(segment);
  }
  const affected: FeatureRecord[] = [];
  for (const feature of state.features.values()) {
    const targeted =
      (userLinkChanges && feature.rollout?.stickiness === "customer") ||
      customerIds.some((id) => feature.customerOverrides.has(id)) ||
      userIds.some((id) => feature.userOverrides.has(id)) ||
      [...feature.segmentRules.keys()].some((segment) => segments.has(segment));
    if (targeted) affected.push(feature);
  }
  return namesOf(affected);
}

function namesOf(features: Iterable<FeatureRecord>): string[] {
  return [...features].map((feature) => feature.name);
}
