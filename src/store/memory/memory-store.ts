import type { Change } from "../../domain/change.js";
import { DomainError } from "../../domain/domain-error.js";
import { FlagState } from "../../domain/flag-state.js";
import type { ChangeWriter, FlagStore } from "../flag-store.js";
import { announceCommit, createMemoryDatabase, type MemoryConnection, type MemoryDatabase } from "./memory-database.js";

/** Options of {@link openMemoryStore}. */
export interface MemoryStoreOptions {
  /** The database to open; a fresh one by default. Open it twice to act as two processes sharing one database. */
  database?: MemoryDatabase;
}

/**
 * Opens an in-memory FlagStore: for fast unit tests, and a second backend that runs the store contract suite so
 * that SQLite assumptions show. Nothing survives the process. A write stages its appends and commits them when
 * `fn` returns, the way a network backend must; "committed elsewhere" is told a turn of the event loop later.
 */
export function openMemoryStore(options: MemoryStoreOptions = {}): FlagStore {
  const database = options.database ?? createMemoryDatabase();
  const listeners = new Set<(revision: number) => void>();
  let open = true;
  let announced = false;
  const connection: MemoryConnection = {
    committedElsewhere() {
      if (announced || listeners.size === 0) return;
      announced = true;
      setImmediate(() => {
        announced = false;
        if (open) for (const listener of listeners) listener(database.sequence);
      });
    },
  };
  database.connections.add(connection);
  const ready = <T>(read: () => T): Promise<T> =>
    open ? Promise.resolve(read()) : Promise.reject(new DomainError("UNAVAILABLE", "the in-memory store is closed"));

  return {
    loadState: () =>
      ready(() => {
        const state = new FlagState();
        for (const change of database.history) state.apply(change);
        state.revision = database.sequence;
        return state;
      }),
    readChanges: (afterRevision, limit) =>
      ready(() => {
        const start = firstAfter(database.log, afterRevision);
        return database.log.slice(start, limit < 0 ? undefined : start + limit);
      }),
    latestRevision: () => ready(() => database.sequence),
    firstRetainedRevision: () => ready(() => database.log[0]?.revision ?? database.sequence + 1),
    write(after, fn) {
      if (!open) return ready(() => undefined as never);
      const missed = database.log.slice(firstAfter(database.log, after));
      const staged: Change[] = [];
      const writer: ChangeWriter = {
        append(data, actor, at) {
          const change = { ...data, revision: database.sequence + staged.length + 1, at, actor } as Change;
          staged.push(change);
          return change;
        },
      };
      let result;
      try {
        result = fn(missed, writer);
      } catch (err) {
        return Promise.reject(err); // nothing staged reached the database
      }
      for (const change of staged) {
        database.log.push(change);
        database.history.push(change);
      }
      if (staged.length > 0) {
        database.sequence += staged.length;
        announceCommit(database, connection);
      }
      return Promise.resolve(result);
    },
    pruneChanges: (policy, now) =>
      ready(() => {
        if (policy.revisions === undefined && policy.days === undefined) return 0;
        // The same rule as SQLite's: never the latest change, and only what is outside every limit that is set.
        const through = database.sequence - Math.max(1, policy.revisions ?? 1);
        const before = policy.days === undefined ? Number.MAX_SAFE_INTEGER : now - policy.days * 86_400_000;
        const kept = database.log.filter((change) => change.revision > through || change.at >= before);
        const pruned = database.log.length - kept.length;
        database.log = kept;
        if (pruned > 0) announceCommit(database, connection);
        return pruned;
      }),
    onCommittedElsewhere(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      open = false;
      listeners.clear();
      database.connections.delete(connection);
      return Promise.resolve();
    },
  } satisfies FlagStore;
}

/** The index of the first change after `revision` in a log in revision order (binary search). */
function firstAfter(log: readonly Change[], revision: number): number {
  let low = 0;
  let high = log.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((log[mid] as Change).revision <= revision) low = mid + 1;
    else high = mid;
  }
  return low;
}
