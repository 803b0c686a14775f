import type { Change } from "../../domain/change.js";
import type { FlagState } from "../../domain/flag-state.js";

/** What a change did to a flag, in the words of flagd's `configuration_change` event: created, changed or gone. */
export type FlagdChangeType = "write" | "update" | "delete";

/**
 * The flags a committed change may have changed the value of for some context, as flagd's `configuration_change`
 * names them (`{"<key>": {"type": "update"}}`); empty when it changed none. A feature's own change names exactly
 * that feature (a rename: the old key deleted, the new one written). A segment's members or name name the features
 * with a rule for it. Deleting a customer, a user or a segment, and creating a user of a customer, name every flag:
 * what they touched is gone from `state` by now, and naming too many only costs a re-read, while missing one would
 * leave a provider's cache stale. `state` is the state right after the change (or later).
 */
export function flagdChangedFlags(change: Change, state: FlagState): Record<string, { type: FlagdChangeType }> {
  switch (change.kind) {
    case "feature.created":
      return { [change.feature]: { type: "write" } };
    case "feature.deleted":
      return { [change.feature]: { type: "delete" } };
    case "feature.renamed":
      return { [change.feature]: { type: "delete" }, [change.newName]: { type: "write" } };
    case "feature.enabled_set":
    case "override.set":
    case "override.cleared":
    case "rollout.set":
    case "rollout.cleared":
    case "segment_rule.set":
    case "segment_rule.cleared":
      return { [change.feature]: { type: "update" } };
    // Nothing can be decided by a customer or a segment that was just created, nor for a user of no customer.
    case "customer.created":
    case "segment.created":
      return {};
    case "user.created":
      return change.customerId === null ? {} : everyFlag(state);
    case "segment.members_added":
    case "segment.members_removed":
    case "segment.renamed": {
      const segment = state.segments.get(change.kind === "segment.renamed" ? change.newName : change.segment);
      // Gone already (a later change deleted it): that deletion names every flag.
      if (!segment) return {};
      return Object.fromEntries([...segment.ruleFeatures].map((feature) => [feature.name, { type: "update" as const }]));
    }
    case "customer.deleted":
    case "user.deleted":
    case "segment.deleted":
      return everyFlag(state);
  }
}

/** Every flag of the state, as updated: after a snapshot, or a change whose reach is no longer known. */
export function everyFlag(state: FlagState): Record<string, { type: FlagdChangeType }> {
  return Object.fromEntries(state.featureNames.all.map((name) => [name, { type: "update" as const }]));
}
