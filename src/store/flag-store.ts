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

/** Writes inside a {@link FlagStore.write} transaction. */
export interface ChangeWriter {
  /** Applies `data` to the stored data and appends its change-log row; both commit with the transaction. */
  append(data: ChangeData, actor: string | null, at: number): Change;
}

/** The engine's storage: reads, plus write transactions in which data and change-log rows commit together. */
export interface FlagStore extends FlagReader {
  /**
   * Runs `fn` in one write transaction, exclusive among all processes using the database, and commits it
   * when `fn` returns (rolls back when it throws). Reads inside `fn` see every change committed before.
   */
  write<T>(fn: (writer: ChangeWriter) => T): T;
  /** True when another process committed to the database since the last call: time to read the log. */
  changedElsewhere(): boolean;
  /** Closes the database; the store must not be used afterwards. */
  close(): void;
}
