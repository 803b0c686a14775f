import type { Change } from "../../domain/change.js";
import type { StoredToken } from "../token-store.js";

/** One connection to a {@link MemoryDatabase}: told of the commits other connections make. */
export interface MemoryConnection {
  /** Called after another connection committed. */
  committedElsewhere(): void;
}

/**
 * What an in-memory "database" holds, shared by every store opened on it (so that two of them behave like two
 * processes on one SQLite file). For tests: it keeps every change ever committed, to rebuild the state from.
 */
export interface MemoryDatabase {
  /** Every committed change, pruned or not: `loadState` replays it. */
  readonly history: Change[];
  /** The change log as retention left it, in revision order. */
  log: Change[];
  /** The latest revision handed out; like SQLite's AUTOINCREMENT it never goes back, even when pruning emptied the log. */
  sequence: number;
  readonly tokens: StoredToken[];
  /** Set by the first token ever inserted, like SQLite's `auth` row. */
  marked: boolean;
  readonly connections: Set<MemoryConnection>;
}

/** An empty in-memory database. */
export function createMemoryDatabase(): MemoryDatabase {
  return { history: [], log: [], sequence: 0, tokens: [], marked: false, connections: new Set() };
}

/** Tells every connection but `from` that `from` committed. */
export function announceCommit(database: MemoryDatabase, from: MemoryConnection): void {
  for (const connection of database.connections) if (connection !== from) connection.committedElsewhere();
}
