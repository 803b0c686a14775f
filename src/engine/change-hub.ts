import type { DomainError } from "../domain/domain-error.js";
import { eventBytes, type HubEvent, type Select, type Subscription, type WatchTransport } from "./hub-events.js";
import { QueueSubscription, type HubLimits, type Ledger } from "./queue-subscription.js";

// The events and the subscription interface live in hub-events.ts, the per-watcher queue in queue-subscription.ts.
export { eventBytes, type Heartbeat, type HubEvent, type Select, type Subscription, type WatchTransport } from "./hub-events.js";

/** Options of {@link ChangeHub.subscribe}. */
export interface SubscribeOptions<T = unknown> {
  /** Ends the subscription when aborted. */
  signal?: AbortSignal;
  /** The revision the watcher has already seen everything up to; named in the message when it is cut off. */
  position: number;
  /** Bytes an item stands for; default the size of the event it was selected from ({@link eventBytes}). */
  sizeOf?: ((item: T) => number) | undefined;
  /** What the transport holds for this watcher now (bytes written but not yet sent); counted in its budget. */
  transport?: WatchTransport | undefined;
}

/** Fans committed changes out to every subscriber. */
export interface ChangeHub {
  /** Offers an event to every subscriber; never blocks the writer. */
  publish(event: HubEvent): void;
  /** Starts receiving what `select` picks from the events published from now on. */
  subscribe<T>(select: Select<T>, options: SubscribeOptions<T>): Subscription<T>;
  /** Ends every subscription with `error` and refuses new ones. */
  close(error: DomainError): void;
  /** Number of live subscriptions. */
  readonly size: number;
  /**
   * Bytes all subscriptions hold together: the events still queued for any of them, each counted once (they are
   * shared), plus what their transports hold.
   */
  readonly heldBytes: number;
}

/** Options of {@link createChangeHub}. */
export interface ChangeHubOptions {
  /** Messages a subscriber may have waiting before it is cut off; default 10,000. */
  maxQueue?: number;
  /** Bytes a subscriber may hold (queued, plus held by its transport) before it is cut off; default 1 MiB. */
  maxBytes?: number;
  /**
   * Bytes all subscribers may hold together (shared events counted once, plus their transports' buffers); when over,
   * the ones furthest behind are cut off; default 256 MiB.
   */
  maxTotalBytes?: number;
}

/** The defaults of {@link ChangeHubOptions}. */
export const HUB_DEFAULTS = { maxQueue: 10_000, maxBytes: 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024 } as const;

/**
 * Creates the hub. A subscriber that stops reading is ended with RESOURCE_EXHAUSTED once it is too far behind
 * (in messages, or in bytes queued plus held by its transport), or holds the most while all together hold too
 * much, naming the revision to resume from: writers never wait on subscribers and memory stays bounded.
 * Every subscriber receives the same event object, so a transport can encode it once for all streams.
 */
export function createChangeHub(options: ChangeHubOptions = {}): ChangeHub {
  const limits: HubLimits = {
    maxQueue: options.maxQueue ?? HUB_DEFAULTS.maxQueue,
    maxBytes: options.maxBytes ?? HUB_DEFAULTS.maxBytes,
  };
  const maxTotalBytes = options.maxTotalBytes ?? HUB_DEFAULTS.maxTotalBytes;
  const subscribers = new Set<QueueSubscription<unknown>>();
  const ledger: Ledger = { published: 0, transport: 0, oldest: 0 };
  let closedWith: DomainError | undefined;

  /**
   * What all subscribers hold: every subscriber queues the same event objects, so what is held is each event
   * published since the oldest one still queued anywhere, once, plus the transports' buffers. A burst to many
   * watchers that keep up holds the burst once, not once per watcher. Also refreshes `ledger.oldest`.
   */
  const measure = (): { total: number; furthest: QueueSubscription<unknown> | undefined } => {
    let oldest = ledger.published;
    let furthest: QueueSubscription<unknown> | undefined;
    for (const subscriber of subscribers) {
      oldest = Math.min(oldest, subscriber.oldestMark);
      if (!furthest || subscriber.held(ledger) > furthest.held(ledger)) furthest = subscriber;
    }
    ledger.oldest = oldest;
    return { total: ledger.published - oldest + ledger.transport, furthest };
  };

  /** Over the global budget: cut the subscribers furthest behind until back under it. */
  const enforceTotal = () => {
    for (;;) {
      const { total, furthest } = measure();
      if (total <= maxTotalBytes || !furthest || furthest.held(ledger) <= 0) return;
      furthest.cutOff(
        `watcher fell ${furthest.held(ledger)} bytes behind, the furthest of all while together watchers held more than the server's limit of ${maxTotalBytes} bytes,`,
      );
    }
  };

  return {
    publish(event) {
      const revision = event.type === "change" ? event.change.revision : event.revision;
      const bytes = eventBytes(event);
      for (const subscriber of subscribers) subscriber.offer(event, revision, bytes, limits);
      ledger.published += bytes;
      // `oldest` only ever underestimates (queues move on, new items are newer): scan only when it might be over.
      if (ledger.published - ledger.oldest + ledger.transport > maxTotalBytes) enforceTotal();
    },
    subscribe<T>(select: Select<T>, { signal, position, sizeOf, transport }: SubscribeOptions<T>) {
      const subscription = new QueueSubscription<T>(select, position, ledger, sizeOf, transport, subscribers);
      if (closedWith) subscription.end(closedWith);
      else subscribers.add(subscription as QueueSubscription<unknown>);
      if (signal) {
        // The subscription is its own abort listener: no closure per watcher.
        if (signal.aborted) subscription.end();
        else signal.addEventListener("abort", subscription, { once: true });
      }
      return subscription;
    },
    close(error) {
      closedWith = error;
      for (const subscriber of [...subscribers]) subscriber.end(error);
    },
    get size() {
      return subscribers.size;
    },
    get heldBytes() {
      return measure().total;
    },
  };
}
