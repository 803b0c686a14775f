/** The one customer or one user an override applies to. */
export type Target = { kind: "customer"; id: string } | { kind: "user"; id: string };

/** Which id a rollout buckets by: the context's user (default) or its customer. */
export type Stickiness = "user" | "customer";

/** A percentage rollout: on for the contexts whose bucket is below `basisPoints` (0-10000 = 0.00%-100.00%). */
export interface Rollout {
  readonly basisPoints: number;
  readonly stickiness: Stickiness;
}

/** What a change does: the intent of a mutation and, once committed, its entry in the change log. */
export type ChangeData =
  | { kind: "feature.created"; feature: string; enabled: boolean; description: string; salt: string }
  | { kind: "feature.renamed"; feature: string; newName: string }
  | { kind: "feature.deleted"; feature: string }
  | { kind: "feature.enabled_set"; feature: string; enabled: boolean }
  | { kind: "customer.created"; customerId: string }
  | { kind: "customer.deleted"; customerId: string }
  | { kind: "user.created"; userId: string; customerId: string | null }
  | { kind: "user.deleted"; userId: string }
  | { kind: "override.set"; feature: string; target: Target; enabled: boolean }
  | { kind: "override.cleared"; feature: string; target: Target }
  | { kind: "rollout.set"; feature: string; rollout: Rollout }
  | { kind: "rollout.cleared"; feature: string }
  | { kind: "segment.created"; segment: string }
  | { kind: "segment.renamed"; segment: string; newName: string }
  | { kind: "segment.deleted"; segment: string }
  | { kind: "segment.members_added"; segment: string; customerIds: string[]; userIds: string[] }
  | { kind: "segment.members_removed"; segment: string; customerIds: string[]; userIds: string[] }
  | { kind: "segment_rule.set"; feature: string; segment: string; enabled: boolean }
  | { kind: "segment_rule.cleared"; feature: string; segment: string };

/** Every kind of change, in the order of the contract's ChangeKind enum. */
export type ChangeKind = ChangeData["kind"];

/**
 * A write as callers ask for it: like ChangeData, except that a feature's bucketing salt may be left out
 * (the engine draws a random one; clients never choose it).
 */
export type ChangeRequest =
  | Exclude<ChangeData, { kind: "feature.created" }>
  | (Omit<Extract<ChangeData, { kind: "feature.created" }>, "salt"> & { salt?: string });

/** A committed change: its data plus where and when it landed in the log. */
export type Change = ChangeData & {
  /** Position in the change log; strictly increasing. */
  readonly revision: number;
  /** Commit time, milliseconds since the epoch. */
  readonly at: number;
  /** Who made the change, when known. */
  readonly actor: string | null;
};

/**
 * The salt of a feature created before salts existed (its created event carries none): derived from its
 * creation time, so the stored state and the replayed log agree. Features created since get a random salt.
 */
export function legacySalt(createdAt: number): string {
  return `legacy-${createdAt}`;
}

/** The customer or user a change is about, if any: an override's target, or the created/deleted entity. */
export function changeTarget(data: ChangeData): Target | null {
  switch (data.kind) {
    case "override.set":
    case "override.cleared":
      return data.target;
    case "customer.created":
    case "customer.deleted":
      return { kind: "customer", id: data.customerId };
    case "user.created":
    case "user.deleted":
      return { kind: "user", id: data.userId };
    default:
      return null;
  }
}
