import type { Change, ChangeData } from "../domain/change.js";
import type { FlagState } from "../domain/flag-state.js";

/**
 * What the snapshot loader and history readers need: read access to the state and the change log. Asynchronous,
 * so that a network database can implement it; SQLite answers at once.
 */
export interface FlagReader {
  /** The whole state at the latest committed revision. */
  loadState(): Promise<FlagState>;
  /** Up to `limit` changes with a revision greater than `afterRevision`, in revision order. */
  readChanges(afterRevision: number, limit: number): Promise<Change[]>;
  /** The latest committed revision; 0 for an empty log. */
  latestRevision(): Promise<number>;
  /** The oldest revision the log still holds; latestRevision() + 1 when it holds none. */
  firstRetainedRevision(): Promise<number>;
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
   * When it throws, it has written nothing: the transaction's other changes stand. Synchronous, so that the
   * engine plans every write of a group against the state the ones before it left, in one step.
   */
  append(data: ChangeData, actor: string | null, at: number): Change;
}

/** The engine's storage: reads, plus write transactions in which data and change-log rows commit together. */
export interface FlagStore extends FlagReader {
  /**
   * Runs one write transaction, exclusive among all processes using the database: reads, inside it, the changes
   * committed after revision `after` (by others, not yet seen by the caller), calls `fn` synchronously with them,
   * and commits when `fn` returns (rolls back when it throws). Resolves with `fn`'s result once the commit is
   * durable.
   *
   * SQLite runs all of it synchronously in one transaction, so no reader of the caller's memory can observe
   * what `fn` applied before the commit. A network backend must stage the appends `fn` makes and flush them
   * before COMMIT (it cannot await inside `fn`).
   */
  write<T>(after: number, fn: (missed: readonly Change[], writer: ChangeWriter) => T): Promise<T>;
  /** Deletes the changes `policy` lets go (none when it sets no limit); returns how many. */
  pruneChanges(policy: RetentionPolicy, now: number): Promise<number>;
  /**
   * Calls `listener` with the latest revision whenever another connection or process committed ("committed
   * elsewhere up to revision R"); `onError` once per run of failures to find out. SQLite feeds it from its
   * `data_version` poll, PostgreSQL will from LISTEN/NOTIFY. Returns the unsubscribe function.
   */
  onCommittedElsewhere(listener: (revision: number) => void, onError?: (err: unknown) => void): () => void;
  /** Closes the database; the store must not be used afterwards. */
  close(): Promise<void>;
}
