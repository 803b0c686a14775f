import type { ChangeData, Target } from "./change.js";
import { DomainError } from "./domain-error.js";
import type { FlagState } from "./flag-state.js";
import { checkDescription, checkEntityId, checkFeatureName, quote } from "./identifiers.js";
import { requireCustomer, requireFeature, requireUser } from "./lookups.js";

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
  }
}

function requireTarget(state: FlagState, target: Target): void {
  if (target.kind === "customer") requireCustomer(state, target.id);
  else requireUser(state, target.id);
}
