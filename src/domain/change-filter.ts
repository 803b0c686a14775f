import type { Change } from "./change.js";

/**
 * Decides which changes a watcher that follows some features receives: changes of those features
 * (followed through renames, since a rename keeps the feature's identity), plus every customer, user
 * and segment change, since those can affect any feature. Changes must be offered in revision order.
 */
export class FeatureChangeFilter {
  private readonly names: Set<string>;

  constructor(features: Iterable<string>) {
    this.names = new Set(features);
  }

  /** The followed names as of the last change offered. */
  get features(): ReadonlySet<string> {
    return this.names;
  }

  /** Whether the watcher receives `change`; updates the followed names on a rename. */
  accepts(change: Change): boolean {
    switch (change.kind) {
      case "feature.renamed":
        if (this.names.has(change.feature)) {
          this.names.delete(change.feature);
          this.names.add(change.newName);
          return true;
        }
        // A feature renamed to a followed name: from now on that name means this feature.
        return this.names.has(change.newName);
      case "feature.created":
      case "feature.deleted":
      case "feature.enabled_set":
      case "override.set":
      case "override.cleared":
      case "rollout.set":
      case "rollout.cleared":
      case "segment_rule.set":
      case "segment_rule.cleared":
        return this.names.has(change.feature);
      default:
        return true;
    }
  }
}
