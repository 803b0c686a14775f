import { evaluateFeature, type Evaluation, type EvaluationContext } from "../domain/evaluate.js";
import { FlagState } from "../domain/flag-state.js";
import { applySnapshotChunk } from "../domain/snapshot.js";
import type { FlagClient } from "./flag-client.js";
import { changeFromProto, snapshotChunkFromProto } from "./from-proto.js";
import { watchChanges, type WatchChangesOptions } from "./watch-changes.js";

/** Options of {@link createFlagCache}. */
export type FlagCacheOptions = Pick<WatchChangesOptions, "features" | "initialBackoffMs" | "maxBackoffMs" | "onReconnect">;

/** A local copy of the server's flags, kept current by a watch stream; answers in process. */
export interface FlagCache {
  /** Resolves once the cache holds the whole state and is current; rejects if the watch fails for good. */
  readonly ready: Promise<void>;
  /** The revision the cache reflects; 0 before it is ready. */
  readonly revision: number;
  /** When the server last proved the cache current (a heartbeat or change), ms since the epoch; 0 before. */
  readonly lastContactAt: number;
  /** Whether `feature` is on for the context, by the server's rules; `fallback` for an unknown feature. */
  isEnabled(feature: string, context?: EvaluationContext, fallback?: boolean): boolean;
  /** The value and reason, as Evaluate would answer at `revision`; undefined for an unknown feature. */
  evaluate(feature: string, context?: EvaluationContext): Evaluation | undefined;
  /** Stops following the server. */
  close(): void;
}

/**
 * Follows the server into a local cache: a snapshot first, then every change, resuming by revision
 * after a disconnection (see {@link watchChanges}). Evaluation runs the domain's own rules on the
 * cached state, so it answers exactly as the server's Evaluate does at the same revision.
 *
 * @example
 * const flags = createFlagCache(createFlagClient({ baseUrl: "http://127.0.0.1:50051" }));
 * await flags.ready;
 * if (flags.isEnabled("dashboard", { customerId: "101", userId: "456" })) showDashboard();
 */
export function createFlagCache(client: FlagClient, options: FlagCacheOptions = {}): FlagCache {
  const abort = new AbortController();
  let state = new FlagState();
  // A snapshot is loaded aside and swapped in whole: readers never see half of one.
  let loading: FlagState | undefined;
  let ready = false;
  let lastContactAt = 0;
  let markReady: () => void = () => undefined;
  let fail: (err: unknown) => void = () => undefined;
  const readyPromise = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  readyPromise.catch(() => undefined); // a caller that never awaits `ready` must not crash the process

  const follow = async (): Promise<void> => {
    const stream = watchChanges(client, { ...options, includeSnapshot: true, signal: abort.signal });
    for await (const message of stream) {
      lastContactAt = Date.now();
      if (message.snapshot) {
        const chunk = snapshotChunkFromProto(message.snapshot);
        if (chunk.index === 0) loading = new FlagState();
        if (!loading) continue; // the tail of a snapshot whose start was lost: its retry starts again at 0
        applySnapshotChunk(loading, chunk);
        if (chunk.last) {
          state = loading;
          loading = undefined;
        }
      } else if (message.change) {
        state.apply(changeFromProto(message.change));
      } else if (message.heartbeat) {
        // Everything up to the heartbeat's revision is applied, or was filtered out as irrelevant to us.
        state.revision = Math.max(state.revision, Number(message.heartbeat.revision));
        if (!ready) {
          ready = true;
          markReady();
        }
      }
    }
  };
  follow().catch((err: unknown) => {
    if (!ready) fail(err);
  });

  return {
    ready: readyPromise,
    get revision() {
      return ready ? state.revision : 0;
    },
    get lastContactAt() {
      return lastContactAt;
    },
    isEnabled(feature, context = {}, fallback = false) {
      const record = state.features.get(feature);
      return record ? evaluateFeature(state, record, context).enabled : fallback;
    },
    evaluate(feature, context = {}) {
      const record = state.features.get(feature);
      return record && evaluateFeature(state, record, context);
    },
    close() {
      abort.abort();
    },
  };
}
