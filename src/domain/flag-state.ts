import type { Change, Target } from "./change.js";
import { SortedIndex } from "./sorted-index.js";

/** A feature as held in memory, with its overrides keyed by customer and user id. */
export interface FeatureRecord {
  name: string;
  enabled: boolean;
  description: string;
  createdAt: number;
  updatedAt: number;
  readonly customerOverrides: Map<string, boolean>;
  readonly userOverrides: Map<string, boolean>;
}

/** A customer and the ids of its users. */
export interface CustomerRecord {
  readonly id: string;
  readonly createdAt: number;
  readonly userIds: Set<string>;
}

/** A user and the customer it belongs to, if any. */
export interface UserRecord {
  readonly id: string;
  readonly customerId: string | null;
  readonly createdAt: number;
}

/**
 * The whole flag state at one revision, in Maps: what evaluation and every list query read.
 *
 * `apply` is the single definition of what each change does to the state (cascades included): the
 * engine's snapshot applies every committed change with it, and a client that follows the change stream
 * can keep the same state in process.
 */
export class FlagState {
  revision = 0;
  readonly features = new Map<string, FeatureRecord>();
  readonly customers = new Map<string, CustomerRecord>();
  readonly users = new Map<string, UserRecord>();
  featureNames = new SortedIndex();
  customerIds = new SortedIndex();
  userIds = new SortedIndex();

  /** Empties the state, before a snapshot is loaded into it. */
  clear(): void {
    this.revision = 0;
    this.features.clear();
    this.customers.clear();
    this.users.clear();
    this.reindex();
  }

  /** Rebuilds the sorted indexes after a bulk load that filled the Maps directly. */
  reindex(): void {
    this.featureNames = new SortedIndex(this.features.keys());
    this.customerIds = new SortedIndex(this.customers.keys());
    this.userIds = new SortedIndex(this.users.keys());
  }

  /** Adds a user to the Maps, linking it to its customer. */
  addUser(user: UserRecord): void {
    this.users.set(user.id, user);
    if (user.customerId !== null) this.customers.get(user.customerId)?.userIds.add(user.id);
  }

  /** The overrides of `feature` for the kind of `target`. */
  overridesFor(feature: FeatureRecord, target: Target): Map<string, boolean> {
    return target.kind === "customer" ? feature.customerOverrides : feature.userOverrides;
  }

  /** Applies one committed change; changes must arrive in revision order. */
  apply(change: Change): void {
    switch (change.kind) {
      case "feature.created":
        this.features.set(change.feature, {
          name: change.feature,
          enabled: change.enabled,
          description: change.description,
          createdAt: change.at,
          updatedAt: change.at,
          customerOverrides: new Map(),
          userOverrides: new Map(),
        });
        this.featureNames.insert(change.feature);
        break;
      case "feature.renamed": {
        const feature = this.features.get(change.feature);
        if (!feature) break;
        this.features.delete(change.feature);
        this.featureNames.delete(change.feature);
        feature.name = change.newName;
        feature.updatedAt = change.at;
        this.features.set(change.newName, feature);
        this.featureNames.insert(change.newName);
        break;
      }
      case "feature.deleted":
        this.features.delete(change.feature);
        this.featureNames.delete(change.feature);
        break;
      case "feature.enabled_set": {
        const feature = this.features.get(change.feature);
        if (!feature) break;
        feature.enabled = change.enabled;
        feature.updatedAt = change.at;
        break;
      }
      case "customer.created":
        this.customers.set(change.customerId, { id: change.customerId, createdAt: change.at, userIds: new Set() });
        this.customerIds.insert(change.customerId);
        break;
      case "customer.deleted":
        this.deleteCustomer(change.customerId);
        break;
      case "user.created":
        this.addUser({ id: change.userId, customerId: change.customerId, createdAt: change.at });
        this.userIds.insert(change.userId);
        break;
      case "user.deleted":
        this.deleteUser(change.userId);
        break;
      case "override.set": {
        const feature = this.features.get(change.feature);
        if (feature) this.overridesFor(feature, change.target).set(change.target.id, change.enabled);
        break;
      }
      case "override.cleared": {
        const feature = this.features.get(change.feature);
        if (feature) this.overridesFor(feature, change.target).delete(change.target.id);
        break;
      }
    }
    this.revision = change.revision;
  }

  private deleteCustomer(customerId: string): void {
    const customer = this.customers.get(customerId);
    if (!customer) return;
    for (const userId of customer.userIds) this.deleteUser(userId);
    for (const feature of this.features.values()) feature.customerOverrides.delete(customerId);
    this.customers.delete(customerId);
    this.customerIds.delete(customerId);
  }

  private deleteUser(userId: string): void {
    const user = this.users.get(userId);
    if (!user) return;
    if (user.customerId !== null) this.customers.get(user.customerId)?.userIds.delete(userId);
    for (const feature of this.features.values()) feature.userOverrides.delete(userId);
    this.users.delete(userId);
    this.userIds.delete(userId);
  }
}
