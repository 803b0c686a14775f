import type { ChangeData, Target } from "./change.js";
import { DomainError } from "./domain-error.js";
import type { FlagState } from "./flag-state.js";
import { checkDescription, checkEntityId, checkFeatureName, checkSegmentName, quote } from "./identifiers.js";
import { requireCustomer, requireFeature, requireSegment, requireUser } from "./lookups.js";
import { checkRollout } from "./rollout.js";
import { planMembershipChange } from "./segment-members.js";

/**
 * Checks a requested change against the current state.
 *
 * Returns the change to commit, or `null` when it would change nothing (such a write appends nothing to
 * the log). Throws a DomainError when the request is invalid or refers to something that does not exist; a
 * malformed name or id is INVALID_ARGUMENT whatever exists, so ids are checked before anything is looked up.
 */
export function planChange(state: FlagState, data: ChangeData): ChangeData | null {
  switch (data.kind) {
    case "feature.created":
      checkFeatureName(data.feature);
      checkDescription(data.description);
      if (state.features.has(data.feature)) {
        throw new DomainError("ALREADY_EXISTS", `feature ${quote(data.feature)} already exists`);
      }
      return data;
    case "feature.renamed": {
      checkFeatureName(data.newName, "new feature name");
      const feature = requireFeature(state, data.feature);
      if (data.newName === feature.name) return null;
      if (state.features.has(data.newName)) {
        throw new DomainError(
          "ALREADY_EXISTS",
          `cannot rename feature ${quote(data.feature)} to ${quote(data.newName)}: a feature with that name already exists`,
        );
      }
      return data;
    }
    case "feature.deleted":
      requireFeature(state, data.feature);
      return data;
    case "feature.enabled_set":
      return requireFeature(state, data.feature).enabled === data.enabled ? null : data;
    case "customer.created":
      checkEntityId(data.customerId, "customer id");
      if (state.customers.has(data.customerId)) {
        throw new DomainError("ALREADY_EXISTS", `customer ${quote(data.customerId)} already exists`);
      }
      return data;
    case "customer.deleted":
      requireCustomer(state, data.customerId);
      return data;
    case "user.created":
      checkEntityId(data.userId, "user id");
      if (data.customerId !== null) {
        checkEntityId(data.customerId, "customer id");
        if (!state.customers.has(data.customerId)) {
          throw new DomainError(
            "NOT_FOUND",
            `customer ${quote(data.customerId)} not found: create the customer first, or leave customer_id empty`,
          );
        }
      }
      if (state.users.has(data.userId)) {
        throw new DomainError("ALREADY_EXISTS", `user ${quote(data.userId)} already exists`);
      }
      return data;
    case "user.deleted":
      requireUser(state, data.userId);
      return data;
    case "override.set": {
      checkEntityId(data.target.id, `${data.target.kind} id`);
      const feature = requireFeature(state, data.feature);
      requireTarget(state, data.target);
      return state.overridesFor(feature, data.target).get(data.target.id) === data.enabled ? null : data;
    }
    case "override.cleared": {
      checkEntityId(data.target.id, `${data.target.kind} id`);
      const feature = requireFeature(state, data.feature);
      requireTarget(state, data.target);
      return state.overridesFor(feature, data.target).has(data.target.id) ? data : null;
    }
    case "rollout.set": {
      const current = requireFeature(state, data.feature).rollout;
      const { basisPoints, stickiness } = checkRollout(data.rollout);
      return current?.basisPoints === basisPoints && current.stickiness === stickiness ? null : data;
    }
    case "rollout.cleared":
      return requireFeature(state, data.feature).rollout === null ? null : data;
    default:
      return planSegmentChange(state, data);
  }
}

function planSegmentChange(state: FlagState, data: ChangeData): ChangeData | null {
  switch (data.kind) {
    case "segment.created":
      checkSegmentName(data.segment);
      if (state.segments.has(data.segment)) {
        throw new DomainError("ALREADY_EXISTS", `segment ${quote(data.segment)} already exists`);
      }
      return data;
    case "segment.renamed": {
      checkSegmentName(data.newName, "new segment name");
      const segment = requireSegment(state, data.segment);
      if (data.newName === segment.name) return null;
      if (state.segments.has(data.newName)) {
        throw new DomainError(
          "ALREADY_EXISTS",
          `cannot rename segment ${quote(data.segment)} to ${quote(data.newName)}: a segment with that name already exists`,
        );
      }
      return data;
    }
    case "segment.deleted":
      requireSegment(state, data.segment);
      return data;
    case "segment.members_added":
    case "segment.members_removed":
      return planMembershipChange(state, data);
    case "segment_rule.set": {
      const feature = requireFeature(state, data.feature);
      const segment = requireSegment(state, data.segment);
      return feature.segmentRules.get(segment) === data.enabled ? null : data;
    }
    case "segment_rule.cleared": {
      const feature = requireFeature(state, data.feature);
      const segment = requireSegment(state, data.segment);
      return feature.segmentRules.has(segment) ? data : null;
    }
    default:
      throw new Error(`planSegmentChange: unexpected change kind ${data.kind}`);
  }
}

function requireTarget(state: FlagState, target: Target): void {
  if (target.kind === "customer") requireCustomer(state, target.id);
  else requireUser(state, target.id);
}
