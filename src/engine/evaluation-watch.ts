import type { Change } from "../domain/change.js";
import { DomainError } from "../domain/domain-error.js";
import { evaluateFeature, type Evaluation, type EvaluationContext, type Reason } from "../domain/evaluate.js";
import type { FeatureRecord, FlagState } from "../domain/flag-state.js";
import { checkContext, quote } from "../domain/identifiers.js";
import { requireFeature } from "../domain/lookups.js";

/** The most features one WatchEvaluation may follow. */
export const MAX_WATCHED_FEATURES = 1_000;

/** The value of one followed feature; `reason` is null once the feature is deleted. */
export interface FeatureValue {
  /** The name the watcher asked for (the feature is followed through renames). */
  readonly feature: string;
  readonly enabled: boolean;
  readonly reason: Reason | null;
  /** For reason SEGMENT: the segment whose rule decided. */
  readonly segment: string | undefined;
  readonly deleted: boolean;
}

/** What a WatchEvaluation stream sends: values at a revision. */
export interface EvaluationUpdate {
  readonly type: "evaluations";
  readonly revision: number;
  readonly values: FeatureValue[];
}

interface Followed {
  readonly requested: string;
  readonly record: FeatureRecord;
  last: Evaluation | null;
}

/**
 * Follows the effective values of some features for one context and reports only real changes. It is
 * fed every committed change synchronously, right after the state applied it, so each value it reports
 * is exact at that change's revision. Unknown customer and user ids are allowed, as in Evaluate: they
 * just have no overrides until they exist.
 */
export class EvaluationWatch {
  private readonly followed: Followed[];
  private readonly context: EvaluationContext;

  constructor(
    private readonly state: FlagState,
    features: readonly string[],
    context: EvaluationContext,
  ) {
    if (features.length === 0 || features.length > MAX_WATCHED_FEATURES) {
      throw new DomainError(
        "INVALID_ARGUMENT",
        `${features.length} features requested: name 1-${MAX_WATCHED_FEATURES} features to watch`,
      );
    }
    const seen = new Set<string>();
    this.followed = features.map((name) => {
      if (seen.has(name)) throw new DomainError("INVALID_ARGUMENT", `feature ${quote(name)} is named twice: name each feature once`);
      seen.add(name);
      return { requested: name, record: requireFeature(state, name), last: null };
    });
    checkContext(context);
    this.context = { customerId: context.customerId || undefined, userId: context.userId || undefined };
  }

  /** Every followed value at the state's current revision. */
  initial(): EvaluationUpdate {
    const values = this.followed.map((followed) => this.evaluate(followed));
    return { type: "evaluations", revision: this.state.revision, values };
  }

  /** The values that `change` (just applied to the state) changed, or undefined when none did. */
  onChange(change: Change): EvaluationUpdate | undefined {
    let values: FeatureValue[] | undefined;
    const report = (followed: Followed): void => {
      const value = this.reevaluate(followed);
      if (value) (values ??= []).push(value);
    };
    switch (change.kind) {
      case "feature.enabled_set":
      case "feature.deleted":
      case "rollout.set":
      case "rollout.cleared":
      case "segment_rule.set":
      case "segment_rule.cleared":
        for (const followed of this.followed) if (followed.record.name === change.feature) report(followed);
        break;
      case "segment.members_added":
      case "segment.members_removed":
        if (this.isAmong(change.userIds, change.customerIds)) for (const followed of this.followed) report(followed);
        break;
      case "segment.renamed":
      case "segment.deleted":
        // A deciding segment's rules went, or the name the reason carries changed.
        for (const followed of this.followed) report(followed);
        break;
      case "override.set":
      case "override.cleared": {
        const target = change.target;
        const concerned = target.kind === "user" ? target.id === this.context.userId : target.id === this.customerId();
        if (concerned) for (const followed of this.followed) if (followed.record.name === change.feature) report(followed);
        break;
      }
      case "user.created":
      case "user.deleted":
        // The user's own overrides, or (when no customer is given) its customer, came or went.
        if (change.userId === this.context.userId) for (const followed of this.followed) report(followed);
        break;
      case "customer.deleted":
        if (change.customerId === this.customerId() || (this.context.userId !== undefined && !this.context.customerId)) {
          for (const followed of this.followed) report(followed);
        }
        break;
      default:
        // Creations and feature renames never change a value.
        break;
    }
    return values && { type: "evaluations", revision: change.revision, values };
  }

  /** Whether the context's user or customer is among the given ids. */
  private isAmong(userIds: readonly string[], customerIds: readonly string[]): boolean {
    const userId = this.context.userId;
    const customerId = this.customerId();
    return (userId !== undefined && userIds.includes(userId)) || (customerId !== undefined && customerIds.includes(customerId));
  }

  /** The customer whose overrides count: the given one, or the user's own. */
  private customerId(): string | undefined {
    if (this.context.customerId) return this.context.customerId;
    const userId = this.context.userId;
    return userId === undefined ? undefined : (this.state.users.get(userId)?.customerId ?? undefined);
  }

  private reevaluate(followed: Followed): FeatureValue | undefined {
    if (followed.last === null) return undefined; // deleted earlier: nothing more to say
    const last = followed.last;
    const value = this.evaluate(followed);
    const changed = value.enabled !== last.enabled || value.reason !== last.reason || value.segment !== last.segment;
    return value.deleted || changed ? value : undefined;
  }

  private evaluate(followed: Followed): FeatureValue {
    if (this.state.features.get(followed.record.name) !== followed.record) {
      followed.last = null;
      return { feature: followed.requested, enabled: false, reason: null, segment: undefined, deleted: true };
    }
    const evaluation = evaluateFeature(this.state, followed.record, this.context);
    followed.last = evaluation;
    return { feature: followed.requested, enabled: evaluation.enabled, reason: evaluation.reason, segment: evaluation.segment, deleted: false };
  }
}
