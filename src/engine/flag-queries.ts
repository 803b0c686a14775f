import type { Target } from "../domain/change.js";
import { DomainError } from "../domain/domain-error.js";
import { evaluateFeature, isEnabledForCustomer, onlyOverridesVaryForCustomers, type Evaluation, type EvaluationContext } from "../domain/evaluate.js";
import type { CustomerRecord, FeatureRecord, FlagState, SegmentRecord, UserRecord } from "../domain/flag-state.js";
import { checkContext } from "../domain/identifiers.js";
import { pageOfKeys, type Page, type PageRequest } from "../domain/pagination.js";
import { requireCustomer, requireFeature, requireSegment, requireUser } from "../domain/lookups.js";
import { searchTest } from "../domain/search-text.js";
import { compareKeys } from "../domain/sorted-index.js";
import { evaluateAll, type AllEvaluations } from "./evaluate-all.js";

/** The most contexts one `evaluateBatch` call may evaluate. */
export const MAX_BATCH_CONTEXTS = 10_000;

/** Which customers `listCustomersWithFeature` returns. */
export type CustomerFeatureFilter = "enabled" | "explicitly_enabled" | "explicitly_disabled";

/**
 * Read queries over the in-memory state; nothing here touches SQL. Each list pages over a sorted index,
 * so finding where a page starts is O(log n); filtered lists then scan until the page is full and one more
 * match shows that a next page exists.
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
    checkContext(context);
    return evaluateFeature(state, requireFeature(state, featureName), context);
  },

  /** Every feature for one context, at one revision (see evaluate-all.ts). */
  evaluateAll(state: FlagState, context: EvaluationContext): AllEvaluations {
    return evaluateAll(state, context);
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

  /** A segment's rules, in feature-name order. */
  segmentRules(state: FlagState, name: string): Array<{ feature: string; enabled: boolean }> {
    const segment = requireSegment(state, name);
    const rules = [...segment.ruleFeatures].map((feature) => ({ feature: feature.name, enabled: feature.segmentRules.get(segment) === true }));
    return rules.sort((a, b) => compareKeys(a.feature, b.feature));
  },

  /**
   * A feature's overrides of one kind of target, in id order; with a query, only ids containing it. Sorts the
   * feature's override ids on each call: O(n log n) in its overrides, fine for the dashboard's pages.
   */
  listFeatureOverrides(state: FlagState, featureName: string, kind: Target["kind"], query: string, page: PageRequest): Page<{ target: Target; enabled: boolean }> {
    const feature = requireFeature(state, featureName);
    const overrides = kind === "customer" ? feature.customerOverrides : feature.userOverrides;
    const keys = [...overrides.keys()].sort(compareKeys);
    const found = pageOfKeys("feature-overrides", keys, page, searchTest(query));
    return {
      items: found.items.map((id) => ({ target: { kind, id } as Target, enabled: overrides.get(id) === true })),
      nextPageToken: found.nextPageToken,
    };
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

  /** Features in name order; with a query, only those whose name or description contains it (ignoring case). */
  listFeatures(state: FlagState, page: PageRequest, query = ""): Page<FeatureRecord> {
    const keys = state.featureNames;
    const test = searchTest(query);
    const accept = test && ((name: string) => test(name) || test((state.features.get(name) as FeatureRecord).description));
    return records(pageOfKeys("features", keys.all, page, accept), state.features);
  },

  /** Customers in id order; with a query, only those whose id contains it (ignoring case). */
  listCustomers(state: FlagState, page: PageRequest, query = ""): Page<CustomerRecord> {
    const keys = state.customerIds;
    return records(pageOfKeys("customers", keys.all, page, searchTest(query)), state.customers);
  },

  /** Users in id order, of one customer or all; with a query, only those whose id contains it (ignoring case). */
  listUsers(state: FlagState, customerId: string, page: PageRequest, query = ""): Page<UserRecord> {
    const accept = searchTest(query);
    if (customerId === "") {
      const keys = state.userIds;
      return records(pageOfKeys("users", keys.all, page, accept), state.users);
    }
    const ids = [...requireCustomer(state, customerId).userIds].sort(compareKeys);
    return records(pageOfKeys("users", ids, page, accept), state.users);
  },

  /**
   * The customers a filter selects for one feature, in id order. The explicit filters, and `enabled` when only
   * overrides move customers off the global value, page over the feature's override indexes: O(log n + page)
   * (or page + the "off" overrides skipped, for a globally-on feature). See {@link customersWithFeatureScan}.
   */
  listCustomersWithFeature(
    state: FlagState,
    featureName: string,
    filter: CustomerFeatureFilter,
    page: PageRequest,
  ): Page<string> {
    const { keys, accept } = customersWithFeatureScan(state, requireFeature(state, featureName), filter);
    return pageOfKeys("customers-with-feature", keys, page, accept);
  },

  listFeaturesForCustomer(state: FlagState, customerId: string, page: PageRequest): Page<string> {
    requireCustomer(state, customerId);
    const keys = state.featureNames;
    return pageOfKeys("features-for-customer", keys.all, page, (name) =>
      isEnabledForCustomer(state.features.get(name) as FeatureRecord, customerId),
    );
  },
};

/** Sorted customer ids to page over and the test each must pass; every choice gives the same pages and tokens. */
interface CustomerScan {
  keys: readonly string[];
  accept: (customerId: string) => boolean;
}

/**
 * How to list the customers of `filter`. A page token is the last id listed, a position in id order whichever
 * keys were scanned, so a token made by one scan continues in another when the data changed in between.
 *
 * - explicit filters: the feature's index of "on" or "off" overrides;
 * - `enabled`, when nothing but an override can move a customer off the global value at customer level (no
 *   segment rule; no rollout, or a by-user one, which falls back to the global value for a customer alone; see
 *   `evaluateForCustomer`): the "on" index if the feature is globally off, else every customer but the "off" ones;
 * - `enabled` otherwise: every customer, evaluated in order. That cost depends on the data: a page looks at
 *   customers until it has found one more match than it holds, so a rule that enables few customers (a small
 *   by-customer rollout, a small segment) makes it scan far, and the last page scans to the end.
 */
function customersWithFeatureScan(state: FlagState, feature: FeatureRecord, filter: CustomerFeatureFilter): CustomerScan {
  // The override indexes hold only existing customers; checking costs one lookup per listed id and keeps lists
  // exactly "customers that exist" even if a bulk load brought an override for a customer that does not.
  const exists = (id: string) => state.customers.has(id);
  if (filter === "explicitly_enabled") return { keys: feature.customersOn.all, accept: exists };
  if (filter === "explicitly_disabled") return { keys: feature.customersOff.all, accept: exists };
  if (!onlyOverridesVaryForCustomers(feature)) return { keys: state.customerIds.all, accept: (id) => isEnabledForCustomer(feature, id) };
  if (!feature.enabled) return { keys: feature.customersOn.all, accept: exists };
  const overrides = feature.customerOverrides;
  return { keys: state.customerIds.all, accept: (id) => overrides.get(id) !== false };
}

function records<T>(page: Page<string>, byKey: Map<string, T>): Page<T> {
  return { items: page.items.map((key) => byKey.get(key) as T), nextPageToken: page.nextPageToken };
}


/** A query of {@link flagQueries} with its state argument bound. */
type Bound<Query> = Query extends (state: FlagState, ...args: infer Args) => infer Result ? (...args: Args) => Result : never;

/** The read queries as the engine offers them: every one of {@link flagQueries}, over the engine's own state. */
export type FlagQueries = { readonly [Name in keyof typeof flagQueries]: Bound<(typeof flagQueries)[Name]> };

/** Binds every query to `state`, so that callers need not pass it around (and the names stay listed once). */
export function bindQueries(state: FlagState): FlagQueries {
  const bound: Record<string, unknown> = {};
  // `bind` rather than a rest-argument wrapper: the Evaluate hot path gets no arguments array.
  for (const [name, query] of Object.entries(flagQueries)) bound[name] = (query as (...args: unknown[]) => unknown).bind(null, state);
  return bound as FlagQueries;
}
