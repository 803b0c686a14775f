import type { Change } from "../domain/change.js";
import { FeatureChangeFilter } from "../domain/change-filter.js";
import { DomainError } from "../domain/domain-error.js";
import type { EvaluationContext } from "../domain/evaluate.js";
import type { FlagState } from "../domain/flag-state.js";
import { checkFeatureName } from "../domain/identifiers.js";
import { captureSnapshot, type SnapshotChunk } from "../domain/snapshot.js";
import type { FlagReader } from "../store/flag-store.js";
import type { ChangeHub, Heartbeat, HubEvent, Subscription, WatchTransport } from "./change-hub.js";
import { checkRevisionKnown } from "./change-log.js";
import { EvaluationWatch, MAX_WATCHED_FEATURES, type EvaluationUpdate } from "./evaluation-watch.js";
import { READ_BATCH } from "./group-commit.js";
import { handOver } from "./hand-over.js";

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

/** Options of {@link createWatchStreams}. */
export interface WatchStreamsOptions {
  store: FlagReader;
  state: FlagState;
  hub: ChangeHub;
  clock: () => number;
  /** The latest revision the hub has published: a replay that reached it can go live without a gap. */
  publishedRevision: () => number;
}

/** The watch streams: replay or snapshot, then live changes from the hub, with no gap and no duplicate. */
export function createWatchStreams(options: WatchStreamsOptions) {
  const { store, state, hub, clock, publishedRevision } = options;
  let ended: DomainError | undefined;

  /**
   * A watch up to the heartbeat that says it is current (replay or snapshot); returns the live subscription that
   * the stream reads on from ({@link handOver}), or undefined when the stream ended meanwhile.
   */
  async function* watchPreamble(options: WatchOptions, signal: AbortSignal): AsyncGenerator<WatchEvent, Subscription<HubEvent> | undefined> {
    const filter = options.features?.length ? new FeatureChangeFilter(checkWatchedFeatures(options.features)) : undefined;
    let last = options.sinceRevision ?? state.revision;
    await checkRevisionKnown(last, state.revision, store);
    // Runs at publish time, in revision order, for replayed and live changes alike.
    const select = (event: HubEvent): HubEvent | undefined => {
      if (event.type === "heartbeat") return event.revision >= last ? event : undefined;
      if (event.change.revision <= last) return undefined; // already replayed from the log
      last = event.change.revision;
      return filter && !filter.accepts(event.change) ? undefined : event;
    };
    const transport = options.transport;
    const subscribe = () => hub.subscribe(select, { signal, position: last, transport });
    let subscription: Subscription<HubEvent> | undefined;
    let handed = false;
    try {
      let current = last;
      // The log no longer reaches back there: the whole state instead, never a gap.
      let snapshot = options.includeSnapshot === true || last + 1 < (await store.firstRetainedRevision());
      if (!snapshot && options.sinceRevision === undefined) {
        // No position asked for: current at what the hub published, then live. Reading the log instead would begin
        // the stream with changes another replica committed that this one has not caught up on yet, before the
        // heartbeat; the catch-up publishes them live.
        last = current = publishedRevision();
        subscription = subscribe();
      }
      while (!snapshot && subscription === undefined) {
        const batch = await store.readChanges(last, READ_BATCH);
        // A guard against a prune that ran between the two reads: revisions are gap-free.
        if (batch[0] !== undefined && batch[0].revision !== last + 1) {
          snapshot = true;
          break;
        }
        const events = selectAll(batch, select);
        // Once the replay reached what the hub published (the engine's revision, but for a group whose commit is
        // being acknowledged), subscribe in this same synchronous step: no publish can fall between. Revisions it
        // read beyond (committed elsewhere, not caught up yet) are dropped by `select` when the catch-up publishes
        // them. An empty batch means the log holds nothing newer: everything published is covered.
        const complete = batch.length === 0 || last >= publishedRevision();
        if (complete) {
          current = last;
          subscription = subscribe();
        }
        for (const event of events) {
          // At shutdown the stream must end with UNAVAILABLE, not look complete.
          if (ended) throw ended;
          if (signal.aborted) return undefined;
          yield event;
        }
        if (complete) break;
      }
      if (snapshot) {
        const chunks = captureSnapshot(state, filter?.features);
        last = current = state.revision;
        subscription = subscribe();
        for (const chunk of chunks) {
          if (ended) throw ended;
          if (signal.aborted) return undefined;
          yield { type: "snapshot", chunk };
        }
      }
      // "Current at": what the replay or snapshot covered. Not `last`: live changes queued meanwhile move it
      // on at publish time, and they have not been sent yet.
      yield { type: "heartbeat", revision: current, at: clock() };
      handed = true;
      return subscription;
    } finally {
      // Returned early or failed: the subscription is no one's to read.
      if (!handed) subscription?.end();
    }
  }

  /** The first values of a watch of evaluations; returns the live subscription to read on from. */
  async function* evaluationPreamble(
    features: readonly string[],
    context: EvaluationContext,
    signal: AbortSignal,
    transport: WatchTransport | undefined,
  ): AsyncGenerator<EvaluationUpdate | Heartbeat, Subscription<EvaluationUpdate | Heartbeat>> {
    const watch = new EvaluationWatch(state, features, context);
    const first = watch.initial();
    const select = (event: HubEvent) => (event.type === "heartbeat" ? event : watch.onChange(event.change));
    const subscription = hub.subscribe<EvaluationUpdate | Heartbeat>(select, {
      signal,
      position: first.revision,
      sizeOf: evaluationBytes,
      transport,
    });
    let handed = false;
    try {
      yield first;
      handed = true;
      return subscription;
    } finally {
      if (!handed) subscription.end();
    }
  }

  return {
    /**
     * Streams a watcher's events: a snapshot when asked for (or when `sinceRevision` was pruned from the
     * log), else the changes after `sinceRevision` from the log; then a heartbeat saying the stream is
     * current; then live changes and periodic heartbeats. Ends when `signal` aborts; fails with
     * RESOURCE_EXHAUSTED when the reader falls too far behind, and with UNAVAILABLE when watches end.
     */
    watch(options: WatchOptions, signal: AbortSignal): AsyncIterableIterator<WatchEvent> {
      return handOver(watchPreamble(options, signal));
    },

    /**
     * Streams the values of `features` for one context: all of them first, then those that each change
     * alters, exact at its revision; heartbeats in between. Ends as {@link watch} does.
     */
    watchEvaluation(
      features: readonly string[],
      context: EvaluationContext,
      signal: AbortSignal,
      transport?: WatchTransport | undefined,
    ): AsyncIterableIterator<EvaluationUpdate | Heartbeat> {
      return handOver(evaluationPreamble(features, context, signal, transport));
    },

    /** Ends every watch stream with UNAVAILABLE and refuses new ones. */
    endWatches(): void {
      ended ??= new DomainError(
        "UNAVAILABLE",
        "the server is shutting down: reconnect later with since_revision set to the last revision you received",
      );
      hub.close(ended);
    },
  };
}

/** Roughly the bytes an evaluation update takes encoded: each value names its feature and segment. */
function evaluationBytes(item: EvaluationUpdate | Heartbeat): number {
  if (item.type === "heartbeat") return 24;
  let bytes = 16;
  for (const value of item.values) bytes += 16 + value.feature.length + (value.segment?.length ?? 0);
  return bytes;
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

/** Validates a watch's feature filter: well-formed names, a bounded number. */
function checkWatchedFeatures(features: readonly string[]): readonly string[] {
  if (features.length > MAX_WATCHED_FEATURES) {
    throw new DomainError("INVALID_ARGUMENT", `${features.length} features in the filter: name at most ${MAX_WATCHED_FEATURES}`);
  }
  for (const name of features) checkFeatureName(name, "feature in the filter");
  return features;
}
