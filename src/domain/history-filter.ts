import type { Change, ChangeKind } from "./change.js";

/** What a history search keeps: changes of one feature (through its renames), by one actor, of some kinds. */
export interface HistoryQuery {
  /** The feature's name at the newest change looked at; empty for every change. */
  feature: string;
  /** Empty for any actor. */
  actor: string;
  /** Empty for every kind. */
  kinds: readonly ChangeKind[];
}

/**
 * Decides, for changes offered newest first, which belong to a history query, and follows the feature back
 * through its renames: a rename to the followed name means that from there back the feature had the old name;
 * its creation ends the trail (before it, the name was another feature's, or nobody's).
 */
export class HistoryFilter {
  /** The feature's name at the change last offered, or null once its creation was passed. */
  private name: string | null;
  private readonly kinds: ReadonlySet<ChangeKind>;

  constructor(readonly query: HistoryQuery) {
    this.name = query.feature;
    this.kinds = new Set(query.kinds);
  }

  /** The followed name, to carry over to the next page ("" for no feature filter, null when the trail ended). */
  get followedName(): string | null {
    return this.name;
  }

  /** Resumes a trail at the name an earlier page ended with. */
  follow(name: string | null): void {
    this.name = name;
  }

  /** Whether `change` (offered newest first) is in the history; updates the followed name. */
  accepts(change: Change): boolean {
    const matches = (this.query.actor === "" || change.actor === this.query.actor) && (this.kinds.size === 0 || this.kinds.has(change.kind));
    if (this.query.feature === "") return matches;
    if (this.name === null || !("feature" in change)) return false;
    if (change.kind === "feature.renamed") {
      if (change.newName !== this.name) return false;
      this.name = change.feature;
      return matches;
    }
    if (change.feature !== this.name) return false;
    if (change.kind === "feature.created") this.name = null;
    return matches;
  }
}
