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
  /** The oldest revision the log still holds; latestRevision() + 1 when retention pruned it all. */
  firstRetainedRevision(): number;
}

/**
 * Which changes the log keeps: a change is pruned only when it is outside every limit that is set
 * (older than the last `revisions` AND older than `days`), and never the latest one.
 */
export interface RetentionPolicy {
  /** Keep at least the last this many revisions. */
  revisions?: number | undefined;
  /** Keep at least the changes of the last this many days. */
  days?: number | undefined;
}

/** Writes inside a {@link FlagStore.write} transaction. */
export interface ChangeWriter {
  /**
   * Applies `data` to the stored data and appends its change-log row; both commit with the transaction.
   * When it throws, it has written nothing: the transaction's other changes stand.
   */
  append(data: ChangeData, actor: string | null, at: number): Change;
}

/** The engine's storage: reads, plus write transactions in which data and change-log rows commit together. */
export interface FlagStore extends FlagReader {
  /**
   * Runs `fn` in one write transaction, exclusive among all processes using the database, and commits it
   * when `fn` returns (rolls back when it throws). Reads inside `fn` see every change committed before.
   */
  write<T>(fn: (writer: ChangeWriter) => T): T;
  /** Deletes the changes `policy` lets go (none when it sets no limit); returns how many. */
  pruneChanges(policy: RetentionPolicy, now: number): number;
  /** True when another process committed to the database since the last call: time to read the log. */
  changedElsewhere(): boolean;
  /** Closes the database; the store must not be used afterwards. */
  close(): void;
}
