import type { FeatureRecord, FlagState } from "./flag-state.js";

/** Which rule decided an evaluation. */
export type Reason = "DEFAULT" | "CUSTOMER_OVERRIDE" | "USER_OVERRIDE";

/** The value of a feature for a context, and why. */
export interface Evaluation {
  readonly enabled: boolean;
  readonly reason: Reason;
}

/** The evaluation context: either id may be absent (empty string counts as absent). */
export interface EvaluationContext {
  customerId?: string | undefined;
  userId?: string | undefined;
}

// Six possible outcomes, allocated once: evaluation allocates nothing per call.
const OUTCOMES = {
  DEFAULT: [Object.freeze({ enabled: false, reason: "DEFAULT" }), Object.freeze({ enabled: true, reason: "DEFAULT" })],
  CUSTOMER_OVERRIDE: [
    Object.freeze({ enabled: false, reason: "CUSTOMER_OVERRIDE" }),
    Object.freeze({ enabled: true, reason: "CUSTOMER_OVERRIDE" }),
  ],
  USER_OVERRIDE: [
    Object.freeze({ enabled: false, reason: "USER_OVERRIDE" }),
    Object.freeze({ enabled: true, reason: "USER_OVERRIDE" }),
  ],
} as const satisfies Record<Reason, readonly [Evaluation, Evaluation]>;

/**
 * The precedence rule, and the only place it is written: the most specific setting wins,
 * user override > customer override > the feature's global value.
 */
export function decide(global: boolean, customerOverride: boolean | undefined, userOverride: boolean | undefined): Evaluation {
  if (userOverride !== undefined) return OUTCOMES.USER_OVERRIDE[userOverride ? 1 : 0];
  if (customerOverride !== undefined) return OUTCOMES.CUSTOMER_OVERRIDE[customerOverride ? 1 : 0];
  return OUTCOMES.DEFAULT[global ? 1 : 0];
}

/**
 * Evaluates one feature for a context. The user's own customer counts when no customer is given;
 * unknown ids simply have no overrides.
 */
export function evaluateFeature(state: FlagState, feature: FeatureRecord, context: EvaluationContext): Evaluation {
  const userId = context.userId;
  let customerId = context.customerId;
  if (!customerId && userId) customerId = state.users.get(userId)?.customerId ?? undefined;
  return decide(
    feature.enabled,
    customerId ? feature.customerOverrides.get(customerId) : undefined,
    userId ? feature.userOverrides.get(userId) : undefined,
  );
}

/** The effective value of a feature at customer level (no user in context). */
export function isEnabledForCustomer(feature: FeatureRecord, customerId: string): boolean {
  return decide(feature.enabled, feature.customerOverrides.get(customerId), undefined).enabled;
}
