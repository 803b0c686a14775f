import { ConnectError } from "@connectrpc/connect";
import { featuresAffectedBy } from "../domain/affected-features.js";
import { DomainError } from "../domain/domain-error.js";
import { evaluateFeature, type Evaluation, type EvaluationContext } from "../domain/evaluate.js";
import { FlagState } from "../domain/flag-state.js";
import { hasTargeting } from "../domain/has-targeting.js";
import { checkContext } from "../domain/identifiers.js";
import { applySnapshotChunk } from "../domain/snapshot.js";
import type { FlagClient } from "./flag-client.js";
import { changeFromProto, snapshotChunkFromProto } from "./from-proto.js";
import { watchChanges, type WatchChangesOptions } from "./watch-changes.js";

/** Options of {@link createFlagCache}. */
export interface FlagCacheOptions extends Pick<WatchChangesOptions, "features" | "initialBackoffMs" | "maxBackoffMs" | "onReconnect"> {
  /**
   * Called, from the moment the cache is ready, after each change it applies, with the features whose answers
   * may differ (it may name too many, never too few); after a snapshot replaced a ready cache's state, with
   * every feature of the old state and the new.
   */
  onChanged?: (event: FlagCacheChange) => void;
  /** Called when a cache that was current loses the server: it keeps answering at its revision meanwhile. */
  onStale?: (event: { error: ConnectError; revision: number }) => void;
  /** Called when a stale cache is current again: it resumed by revision and the server said it is caught up. */
  onCurrent?: (event: { revision: number }) => void;
  /** Called when a ready cache stops following for good (an error a retry cannot cure); it answers at its revision. */
  onFailed?: (error: ConnectError) => void;
}

/** What a change did to a ready cache. */
export interface FlagCacheChange {
  /** The cache's revision once the change is applied. */
  readonly revision: number;
  /** The features whose answers may differ, by their names before and after (a rename names both). */
  readonly features: readonly string[];
}

/** What {@link FlagCache.resolve} found: an evaluation with what explains it, or why there is none. */
export type FlagResolution =
  | {
      readonly kind: "evaluated";
      readonly evaluation: Evaluation;
      /** Whether anything but the global value could decide it (an override, a segment rule, a rollout). */
      readonly targeted: boolean;
      readonly revision: number;
    }
  | { readonly kind: "not_found"; readonly revision: number }
  /** A malformed customer or user id; `message` names it and the rule, as the server would. */
  | { readonly kind: "invalid_context"; readonly message: string };

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
  /**
   * Like {@link evaluate}, with the checks and the facts an adapter needs (the OpenFeature provider): the ids
   * are checked as the server checks them, and an evaluation says whether the feature has any targeting.
   */
  resolve(feature: string, context?: EvaluationContext): FlagResolution;
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
  // Whether the server has proved the cache current since the stream last broke.
  let current = false;
  let lastContactAt = 0;
  let markReady: () => void = () => undefined;
  let fail: (err: unknown) => void = () => undefined;
  const readyPromise = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  readyPromise.catch(() => undefined); // a caller that never awaits `ready` must not crash the process

  const onReconnect = (event: Parameters<NonNullable<FlagCacheOptions["onReconnect"]>>[0]) => {
    options.onReconnect?.(event);
    if (!current) return;
    current = false;
    options.onStale?.({ error: event.error, revision: state.revision });
  };
  const follow = async (): Promise<void> => {
    const { features, initialBackoffMs, maxBackoffMs } = options;
    const stream = watchChanges(client, { features, initialBackoffMs, maxBackoffMs, onReconnect, includeSnapshot: true, signal: abort.signal });
    for await (const message of stream) {
      lastContactAt = Date.now();
      if (message.snapshot) {
        const chunk = snapshotChunkFromProto(message.snapshot);
        if (chunk.index === 0) loading = new FlagState();
        if (!loading) continue; // the tail of a snapshot whose start was lost: its retry starts again at 0
        applySnapshotChunk(loading, chunk);
        if (chunk.last) {
          const replaced = state;
          state = loading;
          loading = undefined;
          if (ready) options.onChanged?.({ revision: state.revision, features: [...new Set([...replaced.features.keys(), ...state.features.keys()])] });
        }
      } else if (message.change) {
        const change = changeFromProto(message.change);
        // Read before applying: a delete's cascade is known only while the deleted things are there.
        const affected = ready && options.onChanged ? featuresAffectedBy(state, change) : undefined;
        state.apply(change);
        if (affected) options.onChanged?.({ revision: state.revision, features: affected });
      } else if (message.heartbeat) {
        // Everything up to the heartbeat's revision is applied, or was filtered out as irrelevant to us.
        state.revision = Math.max(state.revision, Number(message.heartbeat.revision));
        if (!ready) {
          ready = current = true;
          markReady();
        } else if (!current) {
          current = true;
          options.onCurrent?.({ revision: state.revision });
        }
      }
    }
  };
  follow().catch((err: unknown) => {
    if (!ready) fail(err);
    else options.onFailed?.(ConnectError.from(err));
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
    resolve(feature, context = {}) {
      // Ids the state holds were checked when they were created: only unknown ones need the format check.
      const { customerId, userId } = context;
      if ((customerId && !state.customers.has(customerId)) || (userId && !state.users.has(userId))) {
        try {
          checkContext(context);
        } catch (err) {
          if (err instanceof DomainError) return { kind: "invalid_context", message: err.message };
          throw err;
        }
      }
      const revision = ready ? state.revision : 0;
      const record = state.features.get(feature);
      if (!record) return { kind: "not_found", revision };
      return { kind: "evaluated", evaluation: evaluateFeature(state, record, context), targeted: hasTargeting(record), revision };
    },
    close() {
      abort.abort();
    },
  };
}
