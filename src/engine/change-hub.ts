import type { Change } from "../domain/change.js";
import { DomainError } from "../domain/domain-error.js";

/** One watcher's view of the hub: an async iterable of changes with a bounded queue. */
export interface Subscription extends AsyncIterable<Change> {
  /** Ends the subscription; a pending or later read finishes (normally, or with `error`). */
  end(error?: DomainError): void;
}

/** Fans committed changes out to every subscriber. */
export interface ChangeHub {
  /** Delivers a committed change to every subscriber; never blocks the writer. */
  publish(change: Change): void;
  /** Starts receiving changes published from now on; ends when `signal` aborts. */
  subscribe(signal?: AbortSignal): Subscription;
  /** Ends every subscription with `error` and refuses new ones. */
  close(error: DomainError): void;
  /** Number of live subscriptions. */
  readonly size: number;
}

/** Options of {@link createChangeHub}. */
export interface ChangeHubOptions {
  /** Changes a subscriber may have waiting before it is cut off; default 10,000. */
  maxQueue?: number;
}

/**
 * Creates the hub. A subscriber that stops reading is ended with RESOURCE_EXHAUSTED once its queue is
 * full, naming the revision to resume from: writers never wait on subscribers and memory stays bounded.
 */
export function createChangeHub(options: ChangeHubOptions = {}): ChangeHub {
  const maxQueue = options.maxQueue ?? 10_000;
  const subscribers = new Set<QueueSubscription>();
  let closedWith: DomainError | undefined;

  return {
    publish(change) {
      for (const subscriber of subscribers) subscriber.push(change, maxQueue);
    },
    subscribe(signal) {
      const subscription = new QueueSubscription(() => subscribers.delete(subscription));
      if (closedWith) subscription.end(closedWith);
      else subscribers.add(subscription);
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

class QueueSubscription implements Subscription {
  private queue: Change[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private ended = false;
  private error: DomainError | undefined;

  constructor(private readonly onEnd: () => void) {}

  push(change: Change, maxQueue: number): void {
    if (this.ended) return;
    if (this.queue.length - this.head >= maxQueue) {
      const resumeFrom = this.queue[this.head]?.revision ?? change.revision;
      // Drop what is queued: the subscriber resumes from the last change it actually received.
      this.queue = [];
      this.head = 0;
      this.end(
        new DomainError(
          "RESOURCE_EXHAUSTED",
          `watcher fell ${maxQueue} changes behind and was disconnected: reconnect with since_revision=${resumeFrom - 1}`,
        ),
      );
      return;
    }
    this.queue.push(change);
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

  async *[Symbol.asyncIterator](): AsyncIterator<Change> {
    try {
      for (;;) {
        while (this.head < this.queue.length) {
          const change = this.queue[this.head++] as Change;
          if (this.head > 1024 && this.head * 2 > this.queue.length) {
            this.queue = this.queue.slice(this.head);
            this.head = 0;
          }
          yield change;
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
