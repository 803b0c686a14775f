import { DomainError } from "./domain-error.js";
import type { CustomerRecord, FeatureRecord, FlagState, SegmentRecord, UserRecord } from "./flag-state.js";
import { checkEntityId, checkFeatureName, checkSegmentName, quote } from "./identifiers.js";

/** The named feature; INVALID_ARGUMENT for a malformed name, NOT_FOUND when it does not exist. */
export function requireFeature(state: FlagState, name: string): FeatureRecord {
  const feature = state.features.get(name);
  if (feature) return feature;
  checkFeatureName(name);
  throw new DomainError("NOT_FOUND", `feature ${quote(name)} not found`);
}

/** The customer; INVALID_ARGUMENT for a malformed id, NOT_FOUND when unknown. */
export function requireCustomer(state: FlagState, id: string): CustomerRecord {
  const customer = state.customers.get(id);
  if (customer) return customer;
  checkEntityId(id, "customer id");
  throw new DomainError("NOT_FOUND", `customer ${quote(id)} not found`);
}

/** The user; INVALID_ARGUMENT for a malformed id, NOT_FOUND when unknown. */
export function requireUser(state: FlagState, id: string): UserRecord {
  const user = state.users.get(id);
  if (user) return user;
  checkEntityId(id, "user id");
  throw new DomainError("NOT_FOUND", `user ${quote(id)} not found`);
}

/** The named segment; INVALID_ARGUMENT for a malformed name, NOT_FOUND when it does not exist. */
export function requireSegment(state: FlagState, name: string): SegmentRecord {
  const segment = state.segments.get(name);
  if (segment) return segment;
  checkSegmentName(name);
  throw new DomainError("NOT_FOUND", `segment ${quote(name)} not found`);
}
