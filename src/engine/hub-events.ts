import type { Change } from "../domain/change.js";
import type { DomainError } from "../domain/domain-error.js";

/** What the hub fans out: committed changes in revision order, and periodic heartbeats between them. */
export type HubEvent = { readonly type: "change"; readonly change: Change } | Heartbeat;

/** "Every change up to `revision` has been published"; `at` is milliseconds since the epoch. */
export interface Heartbeat {
  readonly type: "heartbeat";
  readonly revision: number;
  readonly at: number;
}

/**
 * Picks what one subscriber queues for an event, synchronously at publish time (so it sees the state
 * exactly at the event's revision), or undefined to skip the event.
 */
export type Select<T> = (event: HubEvent) => T | undefined;

/** One watcher's view of the hub: an async iterable with a bounded queue. */
export interface Subscription<T> extends AsyncIterable<T> {
  /** Ends the subscription; a pending or later read drains the queue, then finishes (or throws `error`). */
  end(error?: DomainError): void;
}

/** What the hub needs from the transport of one watch stream, to count and free what it holds. */
export interface WatchTransport {
  /** Bytes the transport holds for the stream, not yet handed to the operating system. */
  bufferedBytes(): number;
  /** Told once when the watcher is cut off (RESOURCE_EXHAUSTED), so that it frees what a peer never reads. */
  cutOff(): void;
}

/**
 * Roughly the bytes an event takes encoded (and so what queuing it holds): its strings plus a little per
 * field. Computed once per publish, whatever the number of subscribers.
 */
export function eventBytes(event: HubEvent): number {
  if (event.type === "heartbeat") return 24;
  let bytes = 48;
  for (const value of Object.values(event.change)) {
    if (typeof value === "string") bytes += value.length + 2;
    else if (Array.isArray(value)) for (const id of value as unknown[]) bytes += String(id).length + 2;
    else if (typeof value === "object" && value !== null) bytes += 8 + JSON.stringify(value).length;
    else bytes += 6;
  }
  return bytes;
}
