import { Code, ConnectError } from "@connectrpc/connect";
import { FeatureChangeFilter } from "../domain/change-filter.js";
import { ChangeKind, type WatchChangesResponse } from "../../gen/flagwire/v1/flags_pb.js";
import { abortableDelay } from "./abortable-delay.js";
import type { FlagClient } from "./flag-client.js";
import { changeFromProto } from "./from-proto.js";

/** Options of {@link watchChanges}. */
export interface WatchChangesOptions {
  /** Replay every change after this revision first; unset: only changes from now on. */
  sinceRevision?: number;
  /** Only changes of these features (plus customer and user changes). */
  features?: readonly string[];
  /** Start with a snapshot of the whole state. */
  includeSnapshot?: boolean;
  /** Stops the watch; the iteration then ends normally. */
  signal?: AbortSignal;
  /** First delay before reconnecting, doubled after each failed attempt; default 100 ms. */
  initialBackoffMs?: number;
  /** Longest delay between attempts; default 5,000 ms. */
  maxBackoffMs?: number;
  /** Called before each reconnection attempt, e.g. to log it. */
  onReconnect?: (event: ReconnectEvent) => void;
}

/** Why and from where a watch reconnects. */
export interface ReconnectEvent {
  /** The error that ended the previous stream. */
  error: ConnectError;
  /** 1 for the first attempt after a failure, growing until a stream delivers a message. */
  attempt: number;
  /** The revision the watch resumes after, or undefined when it has none yet. */
  resumeFrom: number | undefined;
  /** How long the watch waits before the attempt. */
  delayMs: number;
}

/** Failures that a new attempt can cure: the server went away, restarted, or cut a slow reader off. */
const RETRYABLE = new Set([Code.Unavailable, Code.ResourceExhausted, Code.Aborted, Code.Internal, Code.Unknown, Code.DeadlineExceeded]);

/**
 * Follows WatchChanges across disconnections: it reconnects with exponential backoff and resumes after
 * the last revision it delivered, so the caller sees every change once and in order. A snapshot cut off
 * halfway is asked for again from its start. Errors a retry cannot cure (a bad request, a revision from
 * another database, a refused token) end the iteration with that error.
 *
 * @example
 * for await (const message of watchChanges(client, { sinceRevision: 41 })) {
 *   if (message.change) console.log(message.change.revision, message.change.kind);
 * }
 */
export async function* watchChanges(client: FlagClient, options: WatchChangesOptions = {}): AsyncGenerator<WatchChangesResponse> {
  const initialBackoffMs = options.initialBackoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const signal = options.signal;
  let resumeFrom = options.sinceRevision;
  // The server follows filtered features through renames; a resumed stream must ask for the new names.
  const filter = options.features?.length ? new FeatureChangeFilter(options.features) : undefined;
  let wantSnapshot = options.includeSnapshot ?? false;
  let attempt = 0;
  while (!signal?.aborted) {
    try {
      const stream = client.watchChanges(
        {
          sinceRevision: resumeFrom === undefined ? undefined : BigInt(resumeFrom),
          features: filter ? [...filter.features] : [],
          includeSnapshot: wantSnapshot,
        },
        { signal },
      );
      for await (const message of stream) {
        attempt = 0;
        if (filter && message.change?.kind === ChangeKind.FEATURE_RENAMED) filter.accepts(changeFromProto(message.change));
        const reached = revisionReached(message);
        if (reached !== undefined) {
          resumeFrom = reached;
          // Once a snapshot is complete, resuming by revision is enough.
          if (message.snapshot?.last) wantSnapshot = false;
        }
        yield message;
      }
      // A server never ends a watch on its own unless it is going away: treat it as a disconnection.
      throw new ConnectError("the server ended the stream", Code.Unavailable);
    } catch (err) {
      if (signal?.aborted) return;
      const error = ConnectError.from(err);
      if (!RETRYABLE.has(error.code)) throw error;
      attempt += 1;
      const delayMs = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      options.onReconnect?.({ error, attempt, resumeFrom, delayMs });
      // An abort ends the wait early; the loop then sees the signal and returns.
      await abortableDelay(delayMs, signal);
    }
  }
}

/** The revision up to which a message proves the stream complete, if it does. */
function revisionReached(message: WatchChangesResponse): number | undefined {
  if (message.change) return Number(message.change.revision);
  if (message.heartbeat) return Number(message.heartbeat.revision);
  // Mid-snapshot the client holds half a state: only the last chunk makes the snapshot's revision safe.
  if (message.snapshot?.last) return Number(message.snapshot.revision);
  return undefined;
}
