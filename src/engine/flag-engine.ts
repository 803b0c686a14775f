import type { Change, ChangeRequest } from "../domain/change.js";
import type { EvaluationContext } from "../domain/evaluate.js";
import type { FlagState } from "../domain/flag-state.js";
import type { HistoryQuery } from "../domain/history-filter.js";
import type { Page, PageRequest } from "../domain/pagination.js";
import type { FlagStore, RetentionPolicy } from "../store/flag-store.js";
import { createChangeHub, type ChangeHubOptions, type Heartbeat, type WatchTransport } from "./change-hub.js";
import { listChanges, type ChangesPage } from "./change-log.js";
import { searchChanges } from "./change-search.js";
import { backfillLastChanges } from "./last-change-backfill.js";
import type { EvaluationUpdate } from "./evaluation-watch.js";
import { bindQueries, type FlagQueries } from "./flag-queries.js";
import type { EngineObserver } from "./engine-observer.js";
import { createGroupCommit, type MutationResult } from "./group-commit.js";
import { startHousekeeping } from "./housekeeping.js";
import { createWatchStreams, type WatchEvent, type WatchOptions } from "./watch-streams.js";

export type { ChangesPage, MutationResult, WatchEvent, WatchOptions };

/** Options of {@link createFlagEngine}. */
export interface FlagEngineOptions {
  store: FlagStore;
  hub?: ChangeHubOptions;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  /** How often watch streams get a heartbeat; default 15 s. */
  heartbeatIntervalMs?: number;
  /** Which changes the log keeps; default all. */
  retention?: RetentionPolicy;
  /** How often retention prunes the log; default 60 s (and once at start). */
  pruneIntervalMs?: number;
  /** The bucketing salt of a new feature; default 16 random hex digits. Injectable for tests. */
  salt?: () => string;
  /** Told when looking for other processes' changes fails (storage trouble), once per run of failures; it is retried. */
  onPollError?: (err: unknown) => void;
  /** Told of group commits, replication lag and storage failures (the server's metrics); see engine-observer.ts. */
  observer?: EngineObserver;
}

/**
 * The engine: the in-memory state, its read queries, group-committed writes, the change log and watch streams.
 * Reads come from memory only; writes go store -> state -> hub, so every reader and watcher sees revisions in order.
 */
export interface FlagEngine extends FlagQueries {
  /** The latest revision applied to the state. */
  readonly revision: number;
  /** The state; read-only for callers. */
  readonly state: FlagState;
  /**
   * Checks a write against the state and commits it with its change row; the writes submitted in one turn of the
   * event loop share one transaction (one durable commit). Each is checked against the state the writes before it
   * left, succeeds or fails on its own, and resolves only once it is durable. `view` reads what the caller needs
   * (a domain value) from the state right after this write, before later writes of its group.
   */
  submit<T = undefined>(request: ChangeRequest, actor: string | null, view?: () => T): Promise<MutationResult<T>>;
  /** Pages through the change log after `sinceRevision`. */
  listChanges(sinceRevision: number, page: PageRequest): Promise<ChangesPage>;
  /** Pages through the change log newest first, filtered by feature (through renames), actor and kind. */
  searchChanges(query: HistoryQuery, page: PageRequest): Promise<Page<Change>>;
  /** A watcher's events: replay or snapshot, a heartbeat saying it is current, then live changes. */
  watch(options: WatchOptions, signal: AbortSignal): AsyncIterableIterator<WatchEvent>;
  /** The values of `features` for one context, then those each change alters. */
  watchEvaluation(
    features: readonly string[],
    context: EvaluationContext,
    signal: AbortSignal,
    transport?: WatchTransport | undefined,
  ): AsyncIterableIterator<EvaluationUpdate | Heartbeat>;
  /** Number of open watch streams. */
  readonly watcherCount: number;
  /** Bytes all watch streams hold unread: queued for them, plus what their transports buffer. */
  readonly watchHeldBytes: number;
  /** Ends every watch stream with UNAVAILABLE and refuses new ones; reads and writes go on. */
  endWatches(): void;
  /** Ends watch streams, commits the writes already submitted, refuses further ones, and closes the store. */
  close(): Promise<void>;
}

/**
 * Creates the engine over a store: loads the state, prunes once by `retention`, and follows other processes'
 * commits from then on.
 */
export async function createFlagEngine(options: FlagEngineOptions): Promise<FlagEngine> {
  const { store } = options;
  const clock = options.clock ?? Date.now;
  const state = await store.loadState();
  if (options.retention) await store.pruneChanges(options.retention, clock());
  const hub = createChangeHub(options.hub);
  const writes = createGroupCommit({ store, state, hub, clock, salt: options.salt, observer: options.observer });
  const streams = createWatchStreams({ store, state, hub, clock, publishedRevision: () => writes.publishedRevision });
  const stopHousekeeping = startHousekeeping({
    store,
    hub,
    clock,
    revision: () => writes.publishedRevision,
    stateRevision: () => state.revision,
    catchUp: writes.catchUp,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    retention: options.retention,
    pruneIntervalMs: options.pruneIntervalMs,
    onPollError: (err) => {
      options.observer?.storageFailed?.("catch_up");
      options.onPollError?.(err);
    },
  });
  let closing: Promise<void> | undefined;
  // Who last changed each feature, from the log: in the background, so that a large log does not delay the start.
  // A failure (the store closing under it) only leaves some features without one.
  const backfill = backfillLastChanges(store, state).catch(() => undefined);

  return {
    ...bindQueries(state),
    get revision() {
      return state.revision;
    },
    get state() {
      return state;
    },
    submit: writes.submit,
    listChanges: (sinceRevision, page) => listChanges(store, state, sinceRevision, page),
    searchChanges: (query, page) => searchChanges(store, state.revision, query, page),
    watch: streams.watch,
    watchEvaluation: streams.watchEvaluation,
    get watcherCount() {
      return hub.size;
    },
    get watchHeldBytes() {
      return hub.heldBytes;
    },
    endWatches: streams.endWatches,
    close() {
      closing ??= (async () => {
        // The writes already submitted are committed (and reach the watchers) before the streams end.
        await writes.close();
        await backfill;
        streams.endWatches();
        stopHousekeeping();
        await store.close();
      })();
      return closing;
    },
  };
}
