import type { Change } from "../domain/change.js";
import { DomainError } from "../domain/domain-error.js";

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

/** Options of {@link ChangeHub.subscribe}. */
export interface SubscribeOptions {
  /** Ends the subscription when aborted. */
  signal?: AbortSignal;
  /** The revision the watcher has already seen everything up to; named in the message when it is cut off. */
  position: number;
}

/** Fans committed changes out to every subscriber. */
export interface ChangeHub {
  /** Offers an event to every subscriber; never blocks the writer. */
  publish(event: HubEvent): void;
  /** Starts receiving what `select` picks from the events published from now on. */
  subscribe<T>(select: Select<T>, options: SubscribeOptions): Subscription<T>;
  /** Ends every subscription with `error` and refuses new ones. */
  close(error: DomainError): void;
  /** Number of live subscriptions. */
  readonly size: number;
}

/** Options of {@link createChangeHub}. */
export interface ChangeHubOptions {
  /** Messages a subscriber may have waiting before it is cut off; default 10,000. */
  maxQueue?: number;
}

/**
 * Creates the hub. A subscriber that stops reading is ended with RESOURCE_EXHAUSTED once its queue is
 * full, naming the revision to resume from: writers never wait on subscribers and memory stays bounded.
 * Every subscriber receives the same event object, so a transport can encode it once for all streams.
 */
export function createChangeHub(options: ChangeHubOptions = {}): ChangeHub {
  const maxQueue = options.maxQueue ?? 10_000;
  const subscribers = new Set<QueueSubscription<unknown>>();
  let closedWith: DomainError | undefined;

  return {
    publish(event) {
      const revision = event.type === "change" ? event.change.revision : event.revision;
      for (const subscriber of subscribers) subscriber.offer(event, revision, maxQueue);
    },
    subscribe<T>(select: Select<T>, { signal, position }: SubscribeOptions) {
      const subscription = new QueueSubscription<T>(select, position, () => subscribers.delete(subscription as QueueSubscription<unknown>));
      if (closedWith) subscription.end(closedWith);
      else subscribers.add(subscription as QueueSubscription<unknown>);
      if (signal) {
        if (signal.aborted) subscription.end();
        else signal.addEventListener("abort", () => subscription.end(), { once: true });
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
  };
}

class QueueSubscription<T> implements Subscription<T> {
  private items: T[] = [];
  // The revision each queued item stands for, to name the resume point if the queue overflows.
  private revisions: number[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private ended = false;
  private error: DomainError | undefined;

  constructor(
    private readonly select: Select<T>,
    /** Every event up to this revision has been taken by the reader (or skipped). */
    private position: number,
    private readonly onEnd: () => void,
  ) {}

  offer(event: HubEvent, revision: number, maxQueue: number): void {
    if (this.ended) return;
    let item: T | undefined;
    try {
      item = this.select(event);
    } catch (err) {
      // A watcher whose context vanished (a deleted user, say) ends with the reason; the others go on.
      this.end(err instanceof DomainError ? err : new DomainError("UNAVAILABLE", String(err)));
      return;
    }
    if (item === undefined) {
      if (this.head === this.items.length) this.position = revision;
      return;
    }
    if (this.items.length - this.head >= maxQueue) {
      // Drop what is queued: the reader resumes from the last event it actually took.
      this.items = [];
      this.revisions = [];
      this.head = 0;
      this.end(
        new DomainError(
          "RESOURCE_EXHAUSTED",
          `watcher fell ${maxQueue} messages behind and was disconnected: reconnect with since_revision=${this.position}`,
        ),
      );
      return;
    }
    this.items.push(item);
    this.revisions.push(revision);
    this.wakeUp();
  }

  end(error?: DomainError): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.onEnd();
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        while (this.head < this.items.length) {
          const item = this.items[this.head] as T;
          this.position = this.revisions[this.head] as number;
          this.head++;
          if (this.head > 1024 && this.head * 2 > this.items.length) {
            this.items = this.items.slice(this.head);
            this.revisions = this.revisions.slice(this.head);
            this.head = 0;
          }
          yield item;
        }
        if (this.ended) {
          if (this.error) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.end();
    }
  }
}
