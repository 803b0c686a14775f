import { randomBytes } from "node:crypto";
import type { Change, ChangeData, ChangeRequest } from "../domain/change.js";
import { FeatureChangeFilter } from "../domain/change-filter.js";
import { DomainError } from "../domain/domain-error.js";
import type { EvaluationContext } from "../domain/evaluate.js";
import type { FlagState } from "../domain/flag-state.js";
import { checkFeatureName } from "../domain/identifiers.js";
import { encodePageToken, invalidPageTokenMessage, type Page, type PageRequest } from "../domain/pagination.js";
import { planChange } from "../domain/plan-change.js";
import { captureSnapshot, type SnapshotChunk } from "../domain/snapshot.js";
import type { FlagReader, FlagStore, RetentionPolicy } from "../store/flag-store.js";
import {
  createChangeHub,
  type ChangeHubOptions,
  type Heartbeat,
  type HubEvent,
  type Subscription,
  type WatchTransport,
} from "./change-hub.js";
import { EvaluationWatch, MAX_WATCHED_FEATURES, type EvaluationUpdate } from "./evaluation-watch.js";
import { flagQueries } from "./flag-queries.js";

/** The outcome of a write: the committed change, or null when the write changed nothing. */
export interface MutationResult<T = unknown> {
  change: Change | null;
  /** The revision the write produced, or the current one when it changed nothing. */
  revision: number;
  /** What the write's `view` read of the state right after it (before any later write of its group). */
  view: T;
}

/** A page of the change log, and how far back the log still reaches. */
export interface ChangesPage extends Page<Change> {
  /** Changes up to this revision were pruned by retention and are missing from the page; 0 when none. */
  prunedThrough: number;
}

/** What a watcher asks for. */
export interface WatchOptions {
  /** Replay changes after this revision first; unset: only changes from now on. */
  sinceRevision?: number | undefined;
  /** Only changes of these features (followed through renames), plus customer and user changes. */
  features?: readonly string[] | undefined;
  /** Start with a snapshot of the whole state. */
  includeSnapshot?: boolean | undefined;
  /** The stream's transport: what it buffers counts in the watcher's budget, and it is told of a cut-off. */
  transport?: WatchTransport | undefined;
}

/** What a watch stream carries. */
export type WatchEvent = HubEvent | { readonly type: "snapshot"; readonly chunk: SnapshotChunk };

/** Options of {@link createFlagEngine}. */
export interface FlagEngineOptions {
  store: FlagStore;
  hub?: ChangeHubOptions;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  /** How often to look for changes committed by other processes on the same database; default 50 ms. */
  pollIntervalMs?: number;
  /** How often watch streams get a heartbeat; default 15 s. */
  heartbeatIntervalMs?: number;
  /** Which changes the log keeps; default all. */
  retention?: RetentionPolicy;
  /** How often retention prunes the log; default 60 s (and once at start). */
  pruneIntervalMs?: number;
  /** The bucketing salt of a new feature; default 16 random hex digits. Injectable for tests. */
  salt?: () => string;
  /** Told when looking for other processes' changes fails (storage trouble), once per run of failures; polling goes on. */
  onPollError?: (err: unknown) => void;
}

/** The most writes one group commit takes; more wait for the next turn of the event loop. */
const MAX_GROUP_COMMIT = 1_000;

interface Write {
  readonly data: ChangeData;
  readonly actor: string | null;
  readonly view?: (() => unknown) | undefined;
}

interface QueuedWrite extends Write {
  resolve(result: MutationResult): void;
  reject(error: unknown): void;
}

function shuttingDown(): DomainError {
  return new DomainError("UNAVAILABLE", "the server is shutting down: retry against a running server");
}

/** Roughly the bytes an evaluation update takes encoded: each value names its feature and segment. */
function evaluationBytes(item: EvaluationUpdate | Heartbeat): number {
  if (item.type === "heartbeat") return 24;
  let bytes = 16;
  for (const value of item.values) bytes += 16 + value.feature.length + (value.segment?.length ?? 0);
  return bytes;
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
  const salt = options.salt ?? (() => randomBytes(8).toString("hex"));
  // A new feature's salt is drawn here, once: it is then fixed in the change log and never changes.
  const withSalt = (request: ChangeRequest): ChangeData =>
    request.kind === "feature.created" ? { ...request, salt: request.salt ?? salt() } : request;
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
        hub.publish({ type: "change", change });
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
  // One heartbeat object for all streams: a transport can encode it once.
  const heartbeat = setInterval(() => {
    if (hub.size > 0) hub.publish({ type: "heartbeat", revision: state.revision, at: clock() });
  }, options.heartbeatIntervalMs ?? 15_000);
  heartbeat.unref();
  const retention = options.retention;
  const prune = (): void => {
    if (retention) store.pruneChanges(retention, clock());
  };
  prune();
  const pruning = setInterval(() => {
    try {
      prune();
    } catch {
      // Pruning is housekeeping: a busy or failing database is retried on the next round.
    }
  }, options.pruneIntervalMs ?? 60_000);
  pruning.unref();

  /**
   * Commits writes in one transaction, each checked against the state the ones before it left and each in
   * its own savepoint, then publishes them. Returns each write's result or error, in order; throws (having
   * changed nothing) when the transaction itself fails.
   */
  const commitAll = (writes: readonly Write[]): (MutationResult | Error)[] => {
    const outcomes: (MutationResult | Error)[] = [];
    const committed: Change[] = [];
    try {
      store.write((writer) => {
        catchUp();
        for (const write of writes) {
          try {
            const planned = planChange(state, write.data);
            if (planned === null) {
              outcomes.push({ change: null, revision: state.revision, view: write.view?.() });
              continue;
            }
            const change = writer.append(planned, write.actor, clock());
            // Applied before the commit, so that the next write of the group is checked against it.
            state.apply(change);
            committed.push(change);
            outcomes.push({ change, revision: change.revision, view: write.view?.() });
          } catch (err) {
            outcomes.push(err instanceof Error ? err : new Error(String(err)));
          }
        }
      });
    } catch (err) {
      // The commit failed: what was applied ahead of it never happened. Back to what storage holds.
      if (committed.length > 0) state.adopt(store.loadState());
      throw err;
    }
    for (const change of committed) hub.publish({ type: "change", change });
    return outcomes;
  };

  const queue: QueuedWrite[] = [];
  const flushQueue = (): void => {
    const batch = queue.splice(0, MAX_GROUP_COMMIT);
    if (queue.length > 0) setImmediate(flushQueue);
    let outcomes: (MutationResult | Error)[];
    try {
      if (closed) throw shuttingDown();
      outcomes = commitAll(batch);
    } catch (err) {
      for (const write of batch) write.reject(err);
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i] as MutationResult | Error;
      if (outcome instanceof Error) write.reject(outcome);
      else write.resolve(outcome);
    });
  };

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
     * (so another process cannot slip a change in between), then applies and publishes it. Synchronous:
     * for tools and tests; the service uses {@link submit}.
     */
    mutate(request: ChangeRequest, actor: string | null): MutationResult {
      if (closed) throw shuttingDown();
      const [outcome] = commitAll([{ data: withSalt(request), actor }]);
      if (outcome instanceof Error) throw outcome;
      return outcome as MutationResult;
    },

    /**
     * Like {@link mutate}, but group-committed: the writes submitted in one turn of the event loop share one
     * transaction, so one fsync acknowledges them all. Each is still checked against the state the writes
     * before it left, succeeds or fails on its own, and resolves only once it is on disk. `view` reads
     * what the response needs from the state right after this write, before later writes of its group.
     */
    submit<T = undefined>(request: ChangeRequest, actor: string | null, view?: () => T): Promise<MutationResult<T>> {
      if (closed) return Promise.reject(shuttingDown());
      return new Promise<MutationResult<T>>((resolve, reject) => {
        queue.push({ data: withSalt(request), actor, view, resolve: resolve as (result: MutationResult) => void, reject });
        if (queue.length === 1) setImmediate(flushQueue);
      });
    },

    /** Pages through the change log after `sinceRevision` (read from the store: history is not kept in memory). */
    listChanges(sinceRevision: number, page: PageRequest): ChangesPage {
      checkRevisionKnown(sinceRevision, state.revision, store);
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
      const nextPageToken = rows.length > page.size && last ? encodePageToken("changes", String(last.revision)) : "";
      const prunedThrough = isPruned(rows, after, store) ? store.firstRetainedRevision() - 1 : 0;
      return { items, nextPageToken, prunedThrough };
    },

    /**
     * Streams a watcher's events: a snapshot when asked for (or when `sinceRevision` was pruned from the
     * log), else the changes after `sinceRevision` from the log; then a heartbeat saying the stream is
     * current; then live changes and periodic heartbeats, with no gap and no duplicate. Ends when
     * `signal` aborts; fails with RESOURCE_EXHAUSTED when the reader falls too far behind, and with
     * UNAVAILABLE when the engine closes.
     */
    async *watch(options: WatchOptions, signal: AbortSignal): AsyncGenerator<WatchEvent> {
      const filter = options.features?.length ? new FeatureChangeFilter(checkWatchedFeatures(options.features)) : undefined;
      let last = options.sinceRevision ?? state.revision;
      checkRevisionKnown(last, state.revision, store);
      // Runs at publish time, in revision order, for replayed and live changes alike.
      const select = (event: HubEvent): HubEvent | undefined => {
        if (event.type === "heartbeat") return event.revision >= last ? event : undefined;
        if (event.change.revision <= last) return undefined; // already replayed from the log
        last = event.change.revision;
        return filter && !filter.accepts(event.change) ? undefined : event;
      };
      let subscription: Subscription<HubEvent> | undefined;
      let current = last;
      let snapshot = options.includeSnapshot === true;
      while (!snapshot) {
        // Reading the log and subscribing happen in one synchronous step: no commit can fall between them.
        const batch = store.readChanges(last, REPLAY_BATCH);
        if (isPruned(batch, last, store)) {
          snapshot = true; // the log no longer reaches back there: the whole state instead, never a gap
          break;
        }
        const events = selectAll(batch, select);
        const complete = batch.length < REPLAY_BATCH;
        if (complete) {
          current = last;
          subscription = hub.subscribe(select, { signal, position: last, transport: options.transport });
        }
        for (const event of events) {
          // At shutdown the stream must end with UNAVAILABLE, not look complete.
          if (watchesEnded) throw watchesEnded;
          if (signal.aborted) return;
          yield event;
        }
        if (complete) break;
      }
      if (snapshot) {
        const chunks = captureSnapshot(state, filter?.features);
        last = current = state.revision;
        subscription = hub.subscribe(select, { signal, position: last, transport: options.transport });
        for (const chunk of chunks) {
          if (watchesEnded) throw watchesEnded;
          if (signal.aborted) return;
          yield { type: "snapshot", chunk };
        }
      }
      // "Current at": what the replay or snapshot covered. Not `last`: live changes queued meanwhile move it
      // on at publish time, and they have not been sent yet.
      yield { type: "heartbeat", revision: current, at: clock() };
      yield* subscription as Subscription<HubEvent>;
    },

    /**
     * Streams the values of `features` for one context: all of them first, then those that each change
     * alters, exact at its revision; heartbeats in between. Ends as {@link watch} does.
     */
    async *watchEvaluation(
      features: readonly string[],
      context: EvaluationContext,
      signal: AbortSignal,
      transport?: WatchTransport | undefined,
    ): AsyncGenerator<EvaluationUpdate | Heartbeat> {
      const watch = new EvaluationWatch(state, features, context);
      const first = watch.initial();
      const select = (event: HubEvent) => (event.type === "heartbeat" ? event : watch.onChange(event.change));
      const subscription = hub.subscribe<EvaluationUpdate | Heartbeat>(select, {
        signal,
        position: first.revision,
        sizeOf: evaluationBytes,
        transport,
      });
      yield first;
      yield* subscription;
    },

    /** Number of open watch streams. */
    get watcherCount(): number {
      return hub.size;
    },

    /** Bytes all watch streams hold unread: queued for them, plus what their transports buffer. */
    get watchHeldBytes(): number {
      return hub.heldBytes;
    },

    /** Ends every watch stream with UNAVAILABLE and refuses new ones; reads and writes go on. */
    endWatches(): void {
      watchesEnded ??= new DomainError(
        "UNAVAILABLE",
        "the server is shutting down: reconnect later with since_revision set to the last revision you received",
      );
      hub.close(watchesEnded);
    },

    /** Ends watch streams, commits the writes already submitted, refuses further ones, and closes the store. */
    close(): void {
      if (closed) return;
      while (queue.length > 0) flushQueue();
      engine.endWatches();
      closed = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      clearInterval(pruning);
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
    evaluateAll: (context: EvaluationContext) => flagQueries.evaluateAll(state, context),
    evaluateBatch: (feature: string, contexts: readonly EvaluationContext[]) => flagQueries.evaluateBatch(state, feature, contexts),
    getSegment: (name: string) => flagQueries.getSegment(state, name),
    listSegments: (page: PageRequest) => flagQueries.listSegments(state, page),
    listSegmentMembers: (segment: string, page: PageRequest) => flagQueries.listSegmentMembers(state, segment, page),
  };
}

/** Applies `select` to replayed changes, in order, right when they are read. */
function selectAll(batch: Change[], select: (event: HubEvent) => HubEvent | undefined): HubEvent[] {
  const events: HubEvent[] = [];
  for (const change of batch) {
    const event = select({ type: "change", change });
    if (event) events.push(event);
  }
  return events;
}

/**
 * Revisions are contiguous, so a batch that does not start right after `after` lost its start to
 * pruning; an empty one did too when the log's latest revision lies beyond `after`.
 */
function isPruned(batch: Change[], after: number, store: FlagReader): boolean {
  const first = batch[0];
  return first === undefined ? after < store.latestRevision() : first.revision !== after + 1;
}

/** Validates a watch's feature filter: well-formed names, a bounded number. */
function checkWatchedFeatures(features: readonly string[]): readonly string[] {
  if (features.length > MAX_WATCHED_FEATURES) {
    throw new DomainError("INVALID_ARGUMENT", `${features.length} features in the filter: name at most ${MAX_WATCHED_FEATURES}`);
  }
  for (const name of features) checkFeatureName(name, "feature in the filter");
  return features;
}

/**
 * Refuses a `since_revision` from the future: the client follows another database. The store is asked
 * too, since another process may have committed what this one has not read yet.
 */
function checkRevisionKnown(revision: number, known: number, store: FlagReader): void {
  if (revision <= known) return;
  const latest = store.latestRevision();
  if (revision > latest) {
    throw new DomainError(
      "FAILED_PRECONDITION",
      `since_revision ${revision} is ahead of the latest revision ${latest}: this server holds a different database than the one you followed`,
    );
  }
}
