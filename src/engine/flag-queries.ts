import type { Target } from "../domain/change.js";
import { DomainError } from "../domain/domain-error.js";
import { evaluateFeature, isEnabledForCustomer, type Evaluation, type EvaluationContext } from "../domain/evaluate.js";
import type { CustomerRecord, FeatureRecord, FlagState, SegmentRecord, UserRecord } from "../domain/flag-state.js";
import { checkEntityId } from "../domain/identifiers.js";
import { pageOfKeys, type Page, type PageRequest } from "../domain/pagination.js";
import { requireCustomer, requireFeature, requireSegment, requireUser } from "../domain/lookups.js";
import { compareKeys } from "../domain/sorted-index.js";

/** The most contexts one `evaluateBatch` call may evaluate. */
export const MAX_BATCH_CONTEXTS = 10_000;

/** Every feature's evaluation for one context, in feature-name order, at one revision. */
export interface AllEvaluations {
  /** Feature names in ascending order; read it at once (it is the live index, not a copy). */
  features: readonly string[];
  /** `evaluations[i]` is the evaluation of `features[i]`. */
  evaluations: Evaluation[];
  revision: number;
}

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
    checkContext(context, "");
    return evaluateFeature(state, requireFeature(state, featureName), context);
  },

  /** Every feature for one context; synchronous, so every value reflects the same revision. */
  evaluateAll(state: FlagState, context: EvaluationContext): AllEvaluations {
    checkContext(context, "");
    const features = state.featureNames.all;
    const evaluations = new Array<Evaluation>(features.length);
    for (let i = 0; i < features.length; i++) {
      evaluations[i] = evaluateFeature(state, state.features.get(features[i] as string) as FeatureRecord, context);
    }
    return { features, evaluations, revision: state.revision };
  },

  /**
   * One feature for 1-10000 contexts, answered in request order. More contexts is INVALID_ARGUMENT (a request
   * the client must split, not a limit that lifts by waiting); a malformed id names its context's index.
   */
  evaluateBatch(state: FlagState, featureName: string, contexts: readonly EvaluationContext[]): Evaluation[] {
    const feature = requireFeature(state, featureName);
    if (contexts.length > MAX_BATCH_CONTEXTS) {
      throw new DomainError(
        "INVALID_ARGUMENT",
        `${contexts.length} contexts in one call is too many: send at most ${MAX_BATCH_CONTEXTS} per call, split over several calls`,
      );
    }
    for (let i = 0; i < contexts.length; i++) checkContext(contexts[i] as EvaluationContext, `contexts[${i}]: `);
    const evaluations = new Array<Evaluation>(contexts.length);
    for (let i = 0; i < contexts.length; i++) evaluations[i] = evaluateFeature(state, feature, contexts[i] as EvaluationContext);
    return evaluations;
  },

  getSegment(state: FlagState, name: string): SegmentRecord {
    return requireSegment(state, name);
  },

  listSegments(state: FlagState, page: PageRequest): Page<SegmentRecord> {
    return records(pageOfKeys("segments", state.segmentNames.all, page), state.segments);
  },

  /** A segment's members: customers, then users, each in id order. */
  listSegmentMembers(state: FlagState, segmentName: string, page: PageRequest): Page<Target> {
    const segment = requireSegment(state, segmentName);
    // Keys sort customers before users ("c" < "u"); a page token names the last key.
    const keys = [...segment.customerIds].map((id) => `c:${id}`);
    for (const id of segment.userIds) keys.push(`u:${id}`);
    keys.sort(compareKeys);
    const found = pageOfKeys("segment-members", keys, page);
    return {
      items: found.items.map((key): Target => ({ kind: key.startsWith("c:") ? "customer" : "user", id: key.slice(2) })),
      nextPageToken: found.nextPageToken,
    };
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

/** INVALID_ARGUMENT for a malformed id in an evaluation context; `where` prefixes the message. */
function checkContext(context: EvaluationContext, where: string): void {
  try {
    if (context.customerId) checkEntityId(context.customerId, "customer id");
    if (context.userId) checkEntityId(context.userId, "user id");
  } catch (err) {
    if (where === "" || !(err instanceof DomainError)) throw err;
    throw new DomainError(err.code, `${where}${err.message}`);
  }
}
