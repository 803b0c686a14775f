import type { FeatureRecord, FlagState, SegmentRecord } from "./flag-state.js";
import { bucketOf } from "./rollout.js";

/**
 * Which rule decided an evaluation:
 * - USER_OVERRIDE: the user has an override.
 * - CUSTOMER_OVERRIDE: the customer (given, or the user's own) has an override.
 * - SEGMENT: a segment the context is in has a rule for the feature (`segment` names it).
 * - ROLLOUT: the context's bucket is inside the feature's percentage rollout: on.
 * - DEFAULT: the feature's global value (no rule applies, or the context's bucket is outside the rollout).
 * - DEFAULT_NO_STICKINESS_ID: the global value because the feature has a rollout but the context lacks the id
 *   it buckets by (no user for a by-user rollout, no customer for a by-customer one).
 */
export type Reason = "DEFAULT" | "CUSTOMER_OVERRIDE" | "USER_OVERRIDE" | "SEGMENT" | "ROLLOUT" | "DEFAULT_NO_STICKINESS_ID";

/** The value of a feature for a context, and why. */
export interface Evaluation {
  readonly enabled: boolean;
  readonly reason: Reason;
  /** For reason SEGMENT: the segment whose rule decided. */
  readonly segment: string | undefined;
}

/** The two SEGMENT outcomes of one segment, off and on. */
export type SegmentOutcomes = readonly [Evaluation, Evaluation];

/** The evaluation context: either id may be absent (empty string counts as absent). */
export interface EvaluationContext {
  customerId?: string | undefined;
  userId?: string | undefined;
}

/** What a feature's rollout says about a context. */
export type RolloutVerdict = "none" | "inside" | "outside" | "no_stickiness_id";

function outcomes(reason: Reason, segment?: string): readonly [Evaluation, Evaluation] {
  return [Object.freeze({ enabled: false, reason, segment }), Object.freeze({ enabled: true, reason, segment })];
}

// The possible outcomes, allocated once (segments carry their own): evaluation allocates nothing per call.
const OUTCOMES = {
  DEFAULT: outcomes("DEFAULT"),
  CUSTOMER_OVERRIDE: outcomes("CUSTOMER_OVERRIDE"),
  USER_OVERRIDE: outcomes("USER_OVERRIDE"),
  ROLLOUT: outcomes("ROLLOUT"),
  DEFAULT_NO_STICKINESS_ID: outcomes("DEFAULT_NO_STICKINESS_ID"),
} as const satisfies Record<Exclude<Reason, "SEGMENT">, readonly [Evaluation, Evaluation]>;

/** The SEGMENT outcomes naming `segment`; made once per segment (and again when it is renamed). */
export function segmentOutcomes(segment: string): SegmentOutcomes {
  return outcomes("SEGMENT", segment);
}

/**
 * The precedence rule, and the only place it is written: the most specific setting wins,
 * user override > customer override > segment rule > rollout > the feature's global value.
 * `segmentRule` is the outcome of the segment rule that applies (see {@link segmentRuleFor}), if any.
 * A rollout only switches on: outside it, the global value applies.
 */
export function decide(
  global: boolean,
  customerOverride: boolean | undefined,
  userOverride: boolean | undefined,
  segmentRule: Evaluation | undefined = undefined,
  rollout: RolloutVerdict = "none",
): Evaluation {
  if (userOverride !== undefined) return OUTCOMES.USER_OVERRIDE[userOverride ? 1 : 0];
  if (customerOverride !== undefined) return OUTCOMES.CUSTOMER_OVERRIDE[customerOverride ? 1 : 0];
  if (segmentRule !== undefined) return segmentRule;
  if (rollout === "inside") return OUTCOMES.ROLLOUT[1];
  if (rollout === "no_stickiness_id") return OUTCOMES.DEFAULT_NO_STICKINESS_ID[global ? 1 : 0];
  return OUTCOMES.DEFAULT[global ? 1 : 0];
}

/**
 * The segment rule of `feature` that applies to a context in the segments of `customerId` and `userId`:
 * when several do and they disagree, disabled wins (the safe choice); among equal rules, the segment with the
 * smallest name is named, so the answer does not depend on the order rules were set.
 */
export function segmentRuleFor(feature: FeatureRecord, customerId: string | undefined, userId: string | undefined): Evaluation | undefined {
  if (feature.segmentRules.size === 0) return undefined;
  let winner: SegmentRecord | undefined;
  let winnerEnabled = true;
  for (const [segment, enabled] of feature.segmentRules) {
    const member = (customerId !== undefined && segment.customerIds.has(customerId)) || (userId !== undefined && segment.userIds.has(userId));
    if (!member) continue;
    if (winner === undefined || (winnerEnabled && !enabled) || (winnerEnabled === enabled && segment.name < winner.name)) {
      winner = segment;
      winnerEnabled = enabled;
    }
  }
  return winner?.outcomes[winnerEnabled ? 1 : 0];
}

/** Where the context falls in the feature's rollout: by its user id or its customer id, as the rollout says. */
export function rolloutVerdict(feature: FeatureRecord, customerId: string | undefined, userId: string | undefined): RolloutVerdict {
  const rollout = feature.rollout;
  if (rollout === null) return "none";
  const id = rollout.stickiness === "user" ? userId : customerId;
  if (id === undefined) return "no_stickiness_id";
  return bucketOf(feature.salt, id) < rollout.basisPoints ? "inside" : "outside";
}

/**
 * The customer a context evaluates with (undefined = none): the given one, else the user's own. Resolved once per
 * context, it serves every feature ({@link evaluateForIds}); `customerId` and `userId` are undefined when absent.
 */
export function contextCustomer(state: FlagState, customerId: string | undefined, userId: string | undefined): string | undefined {
  if (customerId === undefined && userId !== undefined) return state.users.get(userId)?.customerId ?? undefined;
  return customerId;
}

/** Evaluates a feature for ids already resolved (undefined = absent; see {@link contextCustomer}). */
export function evaluateForIds(feature: FeatureRecord, customerId: string | undefined, userId: string | undefined): Evaluation {
  return decide(
    feature.enabled,
    customerId === undefined ? undefined : feature.customerOverrides.get(customerId),
    userId === undefined ? undefined : feature.userOverrides.get(userId),
    segmentRuleFor(feature, customerId, userId),
    rolloutVerdict(feature, customerId, userId),
  );
}

/**
 * Evaluates one feature for a context. The user's own customer counts when no customer is given;
 * unknown ids simply have no overrides and no segments (they still bucket into rollouts).
 */
export function evaluateFeature(state: FlagState, feature: FeatureRecord, context: EvaluationContext): Evaluation {
  const userId = context.userId || undefined;
  return evaluateForIds(feature, contextCustomer(state, context.customerId || undefined, userId), userId);
}

/**
 * The evaluation of a feature at customer level: the context is the customer alone, with no user. Its
 * override, its segments and a by-customer rollout apply; a by-user rollout cannot (there is no user to
 * bucket), so the global value does.
 */
export function evaluateForCustomer(feature: FeatureRecord, customerId: string): Evaluation {
  return evaluateForIds(feature, customerId, undefined);
}

/**
 * Whether, at customer level, a customer's value is its override if it has one and the global value
 * otherwise: no segment rule, and no rollout that buckets customers (a by-user one cannot apply to a
 * customer alone). List queries take shortcuts through the override indexes when it holds.
 */
export function onlyOverridesVaryForCustomers(feature: FeatureRecord): boolean {
  return feature.segmentRules.size === 0 && (feature.rollout === null || feature.rollout.stickiness === "user");
}

/** The effective value of a feature at customer level (see {@link evaluateForCustomer}). */
export function isEnabledForCustomer(feature: FeatureRecord, customerId: string): boolean {
  return evaluateForCustomer(feature, customerId).enabled;
}
