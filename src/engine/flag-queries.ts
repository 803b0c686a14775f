import { evaluateFeature, isEnabledForCustomer, type Evaluation, type EvaluationContext } from "../domain/evaluate.js";
import type { CustomerRecord, FeatureRecord, FlagState, UserRecord } from "../domain/flag-state.js";
import { checkEntityId } from "../domain/identifiers.js";
import { pageOfKeys, type Page, type PageRequest } from "../domain/pagination.js";
import { requireCustomer, requireFeature, requireUser } from "../domain/lookups.js";
import { compareKeys } from "../domain/sorted-index.js";

/** Which customers `listCustomersWithFeature` returns. */
export type CustomerFeatureFilter = "enabled" | "explicitly_enabled" | "explicitly_disabled";

/**
 * Read queries over the in-memory state; nothing here touches SQL. Each list pages over a sorted index,
 * so finding where a page starts is O(log n); filtered lists then scan until the page is full.
 */
export const flagQueries = {
  getFeature(state: FlagState, name: string): FeatureRecord {
    return requireFeature(state, name);
  },

  getCustomer(state: FlagState, id: string): CustomerRecord {
    return requireCustomer(state, id);
  },

  getUser(state: FlagState, id: string): UserRecord {
    return requireUser(state, id);
  },

  evaluate(state: FlagState, featureName: string, context: EvaluationContext): Evaluation {
    // A malformed id is INVALID_ARGUMENT whatever exists: checked before the feature is looked up.
    if (context.customerId) checkEntityId(context.customerId, "customer id");
    if (context.userId) checkEntityId(context.userId, "user id");
    return evaluateFeature(state, requireFeature(state, featureName), context);
  },

  listFeatures(state: FlagState, page: PageRequest): Page<FeatureRecord> {
    const keys = state.featureNames;
    return records(pageOfKeys("features", keys.all, page), state.features);
  },

  listCustomers(state: FlagState, page: PageRequest): Page<CustomerRecord> {
    const keys = state.customerIds;
    return records(pageOfKeys("customers", keys.all, page), state.customers);
  },

  listUsers(state: FlagState, customerId: string, page: PageRequest): Page<UserRecord> {
    if (customerId === "") {
      const keys = state.userIds;
      return records(pageOfKeys("users", keys.all, page), state.users);
    }
    const ids = [...requireCustomer(state, customerId).userIds].sort(compareKeys);
    return records(pageOfKeys("users", ids, page), state.users);
  },

  listCustomersWithFeature(
    state: FlagState,
    featureName: string,
    filter: CustomerFeatureFilter,
    page: PageRequest,
  ): Page<string> {
    const feature = requireFeature(state, featureName);
    const keys = state.customerIds;
    const overrides = feature.customerOverrides;
    const accept =
      filter === "enabled"
        ? (id: string) => isEnabledForCustomer(feature, id)
        : filter === "explicitly_enabled"
          ? (id: string) => overrides.get(id) === true
          : (id: string) => overrides.get(id) === false;
    return pageOfKeys("customers-with-feature", keys.all, page, accept);
  },

  listFeaturesForCustomer(state: FlagState, customerId: string, page: PageRequest): Page<string> {
    requireCustomer(state, customerId);
    const keys = state.featureNames;
    return pageOfKeys("features-for-customer", keys.all, page, (name) =>
      isEnabledForCustomer(state.features.get(name) as FeatureRecord, customerId),
    );
  },
};

function records<T>(page: Page<string>, byKey: Map<string, T>): Page<T> {
  return { items: page.items.map((key) => byKey.get(key) as T), nextPageToken: page.nextPageToken };
}
