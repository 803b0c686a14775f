import type { Change, ChangeData } from "../domain/change.js";
import type { FlagState } from "../domain/flag-state.js";

/** What the snapshot loader and history readers need: read access to the state and the change log. */
export interface FlagReader {
  /** The whole state at the latest committed revision. */
  loadState(): FlagState;
  /** Up to `limit` changes with a revision greater than `afterRevision`, in revision order. */
  readChanges(afterRevision: number, limit: number): Change[];
  /** The latest committed revision; 0 for an empty log. */
  latestRevision(): number;
}

/** The engine's storage: reads, plus commits that write the data and its change-log row in one transaction. */
export interface FlagStore extends FlagReader {
  /** Applies `data` and appends its change in one transaction; returns the committed change. */
  commit(data: ChangeData, actor: string | null, at: number): Change;
  /** Closes the database; the store must not be used afterwards. */
  close(): void;
}
