import { checkContext } from "../domain/identifiers.js";
import { contextCustomer, evaluateFeature, evaluateForIds, type Evaluation, type EvaluationContext } from "../domain/evaluate.js";
import type { FeatureRecord, FlagState } from "../domain/flag-state.js";
import { hasTargeting } from "../domain/has-targeting.js";
import type { SortedIndex } from "../domain/sorted-index.js";
import { addIds, ID_FILTER_WORDS, idProbe, mayHold } from "./id-filter.js";

/** Every feature's evaluation for one context, in feature-name order, at one revision. */
export interface AllEvaluations {
  /** Feature names in ascending order: the same array for every call at this revision (never modified). */
  features: readonly string[];
  /** `evaluations[i]` is the evaluation of `features[i]`. */
  evaluations: Evaluation[];
  revision: number;
  /**
   * Every feature's evaluation for the empty context at this revision: the same array for every call at it, which
   * most of `evaluations` equals (an encoder caches its bytes and writes only what differs).
   */
  anonymous: readonly Evaluation[];
}

/**
 * Every feature for one context; synchronous, so every value reflects the same revision.
 *
 * Each value is `evaluateFeature`'s (decide() stays the one place precedence is written); what this saves is
 * looking at features whose answer cannot depend on the context. A feature without a rollout or segment rule, and
 * with no override for the context's customer or user, evaluates as for the empty context: its global value, as
 * `anonymous` holds it. Whether it has such an override is first asked of a small filter of its override ids
 * (id-filter.ts), which answers "no" for most features without touching their Maps; "maybe" evaluates.
 */
export function evaluateAll(state: FlagState, context: EvaluationContext): AllEvaluations {
  checkContext(context);
  const table = featureTable(state);
  const { records, targeted, always, filters, anonymous } = table;
  const evaluations = anonymous.slice();
  const userId = context.userId || undefined;
  const customerId = contextCustomer(state, context.customerId || undefined, userId);
  const customer = customerId === undefined ? undefined : idProbe(customerId);
  const user = userId === undefined ? undefined : idProbe(userId);
  for (let k = 0; k < targeted.length; k++) {
    const at = k * 2 * ID_FILTER_WORDS;
    if (always[k] === 0 && !(customer && mayHold(filters, at, customer)) && !(user && mayHold(filters, at + ID_FILTER_WORDS, user))) continue;
    const i = targeted[k] as number;
    evaluations[i] = evaluateForIds(records[i] as FeatureRecord, customerId, userId);
  }
  return { features: table.names, evaluations, revision: state.revision, anonymous };
}

/** The features of one revision in name order, as {@link evaluateAll} reads them; shared by every call at it. */
interface FeatureTable {
  readonly revision: number;
  /** The state's index the table was built from: `reindex` (a reload) replaces it. */
  readonly index: SortedIndex;
  /** A copy of the names, in ascending order. */
  readonly names: readonly string[];
  /** `records[i]` is the feature named `names[i]`. */
  readonly records: readonly FeatureRecord[];
  /** Every feature evaluated for the empty context: what a feature without targeting answers to any context. */
  readonly anonymous: readonly Evaluation[];
  /** The positions of the features with targeting, ascending; the k-th is described by `always[k]` and `filters`. */
  readonly targeted: Uint32Array;
  /** 1 when the k-th targeted feature is evaluated for every context: a rollout, a segment rule, or too many overrides to filter. */
  readonly always: Uint8Array;
  /** For the k-th targeted feature, at `2k` filters: the filter of its customer override ids, then of its user override ids. */
  readonly filters: Uint32Array;
}

const tables = new WeakMap<FlagState, FeatureTable>();
const EMPTY_CONTEXT = {};

/**
 * The table of `state` at its current revision. Every change of the state moves its revision (`apply`) or
 * replaces its indexes (`clear`, `adopt`), either of which rebuilds the table: O(features), once per revision.
 */
function featureTable(state: FlagState): FeatureTable {
  const cached = tables.get(state);
  if (cached && cached.revision === state.revision && cached.index === state.featureNames && cached.names.length === state.featureNames.size) {
    return cached;
  }
  const names = state.featureNames.all.slice();
  const records = names.map((name) => state.features.get(name) as FeatureRecord);
  // Evaluated, not assumed: decide() says what a feature answers when nothing targets the context.
  const anonymous = records.map((feature) => evaluateFeature(state, feature, EMPTY_CONTEXT));
  const targeted: number[] = [];
  for (let i = 0; i < records.length; i++) if (hasTargeting(records[i] as FeatureRecord)) targeted.push(i);
  const always = new Uint8Array(targeted.length);
  const filters = new Uint32Array(targeted.length * 2 * ID_FILTER_WORDS);
  targeted.forEach((i, k) => {
    const feature = records[i] as FeatureRecord;
    const words = feature.rollout === null && feature.segmentRules.size === 0 ? overrideFilters(feature, state.revision) : null;
    if (words === null) always[k] = 1;
    else filters.set(words, k * 2 * ID_FILTER_WORDS);
  });
  const table: FeatureTable = { revision: state.revision, index: state.featureNames, names, records, anonymous, targeted: Uint32Array.from(targeted), always, filters };
  tables.set(state, table);
  return table;
}

/** Past this many overrides of one kind, a filter says "maybe" too often to help (about 1 in 10 at 24). */
const MAX_FILTERED_IDS = 24;

interface CachedFilters {
  /** The state's revision when they were built. */
  readonly builtAt: number;
  /** Customer ids then user ids; null when a feature has too many overrides to filter. */
  readonly words: Uint32Array | null;
}

// Per feature record, across revisions: a table rebuilt after a write re-filters only the features that changed.
const filterCache = new WeakMap<FeatureRecord, CachedFilters>();

/**
 * The filters of a feature's override ids, reused while the feature is unchanged: every change to its overrides
 * sets its `lastChange` to the change's revision (`FlagState.apply`), above the revision any earlier filter was
 * built at. Deleting a customer or user removes overrides without that, which only leaves bits set: a "maybe".
 */
function overrideFilters(feature: FeatureRecord, revision: number): Uint32Array | null {
  const cached = filterCache.get(feature);
  if (cached && cached.builtAt >= (feature.lastChange?.revision ?? 0)) return cached.words;
  let words: Uint32Array | null = null;
  if (feature.customerOverrides.size <= MAX_FILTERED_IDS && feature.userOverrides.size <= MAX_FILTERED_IDS) {
    words = new Uint32Array(2 * ID_FILTER_WORDS);
    addIds(words, 0, feature.customerOverrides.keys());
    addIds(words, ID_FILTER_WORDS, feature.userOverrides.keys());
  }
  filterCache.set(feature, { builtAt: revision, words });
  return words;
}
