/** The one customer or one user an override applies to. */
export type Target = { kind: "customer"; id: string } | { kind: "user"; id: string };

/** What a change does: the intent of a mutation and, once committed, its entry in the change log. */
export type ChangeData =
  | { kind: "feature.created"; feature: string; enabled: boolean; description: string }
  | { kind: "feature.renamed"; feature: string; newName: string }
  | { kind: "feature.deleted"; feature: string }
  | { kind: "feature.enabled_set"; feature: string; enabled: boolean }
  | { kind: "customer.created"; customerId: string }
  | { kind: "customer.deleted"; customerId: string }
  | { kind: "user.created"; userId: string; customerId: string | null }
  | { kind: "user.deleted"; userId: string }
  | { kind: "override.set"; feature: string; target: Target; enabled: boolean }
  | { kind: "override.cleared"; feature: string; target: Target };

/** Every kind of change, in the order of the contract's ChangeKind enum. */
export type ChangeKind = ChangeData["kind"];

/** A committed change: its data plus where and when it landed in the log. */
export type Change = ChangeData & {
  /** Position in the change log; strictly increasing. */
  readonly revision: number;
  /** Commit time, milliseconds since the epoch. */
  readonly at: number;
  /** Who made the change, when known. */
  readonly actor: string | null;
};

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
