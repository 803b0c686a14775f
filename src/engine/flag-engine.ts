import type { Change, ChangeData } from "../domain/change.js";
import { DomainError } from "../domain/domain-error.js";
import type { FlagState } from "../domain/flag-state.js";
import { encodePageToken, invalidPageTokenMessage, type Page, type PageRequest } from "../domain/pagination.js";
import { planChange } from "../domain/plan-change.js";
import type { FlagStore } from "../store/flag-store.js";
import { createChangeHub, type ChangeHubOptions, type Subscription } from "./change-hub.js";
import { flagQueries } from "./flag-queries.js";

/** The outcome of a write: the committed change, or null when the write changed nothing. */
export interface MutationResult {
  change: Change | null;
  /** The revision the write produced, or the current one when it changed nothing. */
  revision: number;
}

/** Options of {@link createFlagEngine}. */
export interface FlagEngineOptions {
  store: FlagStore;
  hub?: ChangeHubOptions;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  /** How often to look for changes committed by other processes on the same database; default 50 ms. */
  pollIntervalMs?: number;
  /** Told when looking for other processes' changes fails (storage trouble), once per run of failures; polling goes on. */
  onPollError?: (err: unknown) => void;
}

/** Changes read from the store per replay step, so a long replay never holds the whole log in memory. */
const REPLAY_BATCH = 500;

/**
 * Creates the engine: the store, the in-memory snapshot and the change hub.
 * Writes go store -> snapshot -> hub, synchronously, so every reader and watcher sees revisions in order.
 * Reads come from the snapshot only.
 */
export function createFlagEngine(options: FlagEngineOptions) {
  const { store } = options;
  const clock = options.clock ?? Date.now;
  const state: FlagState = store.loadState();
  const hub = createChangeHub(options.hub);
  let closed = false;
  let watchesEnded: DomainError | undefined;

  /** Applies and publishes what other processes committed since our snapshot's revision. */
  const catchUp = (): void => {
    for (;;) {
      const batch = store.readChanges(state.revision, REPLAY_BATCH);
      for (const change of batch) {
        state.apply(change);
        hub.publish(change);
      }
      if (batch.length < REPLAY_BATCH) return;
    }
  };
  // Once a catch-up failed, keep trying on every tick: the store will not report the same commits twice.
  let pollFailing = false;
  const poll = setInterval(() => {
    try {
      if (store.changedElsewhere() || pollFailing) catchUp();
      pollFailing = false;
    } catch (err) {
      if (!pollFailing) options.onPollError?.(err);
      pollFailing = true;
    }
  }, options.pollIntervalMs ?? 50);
  poll.unref();

  const engine = {
    ...flagQueriesBound(state),

    /** The latest committed revision. */
    get revision(): number {
      return state.revision;
    },

    /** The snapshot; read-only for callers. */
    get state(): FlagState {
      return state;
    },

    /**
     * Checks a write against the snapshot and commits it with its change row, in one write transaction
     * (so another process cannot slip a change in between), then applies and publishes it.
     */
    mutate(data: ChangeData, actor: string | null): MutationResult {
      if (closed) throw new DomainError("UNAVAILABLE", "the server is shutting down: retry against a running server");
      const change = store.write((writer) => {
        catchUp();
        const planned = planChange(state, data);
        return planned === null ? null : writer.append(planned, actor, clock());
      });
      if (change === null) return { change: null, revision: state.revision };
      state.apply(change);
      hub.publish(change);
      return { change, revision: change.revision };
    },

    /** Pages through the change log after `sinceRevision` (read from the store: history is not kept in memory). */
    listChanges(sinceRevision: number, page: PageRequest): Page<Change> {
      checkRevisionKnown(sinceRevision, state.revision);
      let after = sinceRevision;
      if (page.after !== undefined) {
        const fromToken = Number(page.after);
        if (!Number.isSafeInteger(fromToken) || fromToken < 0) {
          throw new DomainError("INVALID_ARGUMENT", invalidPageTokenMessage("changes"));
        }
        after = Math.max(after, fromToken);
      }
      const rows = store.readChanges(after, page.size + 1);
      const items = rows.slice(0, page.size);
      const last = items[items.length - 1];
      return { items, nextPageToken: rows.length > page.size && last ? encodePageToken("changes", String(last.revision)) : "" };
    },

    /**
     * Streams changes: first those after `sinceRevision` (when given) from the log, then live ones, with
     * no gap and no duplicate. Ends when `signal` aborts; fails with RESOURCE_EXHAUSTED when the reader
     * falls too far behind, and with UNAVAILABLE when the engine closes.
     */
    async *watch(sinceRevision: number | undefined, signal: AbortSignal): AsyncGenerator<Change> {
      let last = sinceRevision ?? state.revision;
      checkRevisionKnown(last, state.revision);
      let subscription: Subscription;
      for (;;) {
        // Reading the log and subscribing happen in one synchronous step: no commit can fall between them.
        const batch = store.readChanges(last, REPLAY_BATCH);
        if (batch.length < REPLAY_BATCH) {
          subscription = hub.subscribe(signal);
          for (const change of batch) yield change;
          last = batch[batch.length - 1]?.revision ?? last;
          break;
        }
        for (const change of batch) {
          // At shutdown the stream must end with UNAVAILABLE, not look complete.
          if (watchesEnded) throw watchesEnded;
          if (signal.aborted) return;
          yield change;
        }
        last = (batch[batch.length - 1] as Change).revision;
      }
      for await (const change of subscription) {
        if (change.revision > last) yield change;
      }
    },

    /** Number of open watch streams. */
    get watcherCount(): number {
      return hub.size;
    },

    /** Ends every watch stream with UNAVAILABLE and refuses new ones; reads and writes go on. */
    endWatches(): void {
      watchesEnded ??= new DomainError(
        "UNAVAILABLE",
        "the server is shutting down: reconnect later with since_revision set to the last revision you received",
      );
      hub.close(watchesEnded);
    },

    /** Ends watch streams, refuses further writes, and closes the store. */
    close(): void {
      if (closed) return;
      engine.endWatches();
      closed = true;
      clearInterval(poll);
      store.close();
    },
  };
  return engine;
}

/** The engine as its consumers see it. */
export type FlagEngine = ReturnType<typeof createFlagEngine>;

/** Binds the read queries to the snapshot, so callers need not pass the state around. */
function flagQueriesBound(state: FlagState) {
  return {
    getFeature: (name: string) => flagQueries.getFeature(state, name),
    getCustomer: (id: string) => flagQueries.getCustomer(state, id),
    getUser: (id: string) => flagQueries.getUser(state, id),
    evaluate: (feature: string, context: { customerId?: string; userId?: string }) => flagQueries.evaluate(state, feature, context),
    listFeatures: (page: PageRequest) => flagQueries.listFeatures(state, page),
    listCustomers: (page: PageRequest) => flagQueries.listCustomers(state, page),
    listUsers: (customerId: string, page: PageRequest) => flagQueries.listUsers(state, customerId, page),
    listCustomersWithFeature: (feature: string, filter: Parameters<typeof flagQueries.listCustomersWithFeature>[2], page: PageRequest) =>
      flagQueries.listCustomersWithFeature(state, feature, filter, page),
    listFeaturesForCustomer: (customerId: string, page: PageRequest) => flagQueries.listFeaturesForCustomer(state, customerId, page),
  };
}

/** Refuses a `since_revision` from the future: the client follows another database. */
function checkRevisionKnown(revision: number, latest: number): void {
  if (revision > latest) {
    throw new DomainError(
      "FAILED_PRECONDITION",
      `since_revision ${revision} is ahead of the latest revision ${latest}: this server holds a different database than the one you followed`,
    );
  }
}
