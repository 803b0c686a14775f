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

/** What the hub needs from the transport of one watch stream, to count and free what it holds. */
export interface WatchTransport {
  /** Bytes the transport holds for the stream, not yet handed to the operating system. */
  bufferedBytes(): number;
  /** Told once when the watcher is cut off (RESOURCE_EXHAUSTED), so that it frees what a peer never reads. */
  cutOff(): void;
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

/** The hub's running totals, shared with its subscriptions. */
interface Ledger {
  /** Bytes of every event published so far: an event's mark is this count just before it. */
  published: number;
  /** What the subscriptions' transports hold, as last sampled. */
  transport: number;
  /** A mark no queued item is older than (exact after a measure; it only grows, so it never overstates). */
  oldest: number;
}

interface HubLimits {
  readonly maxQueue: number;
  readonly maxBytes: number;
}

/** Slots of one queued item in {@link QueueSubscription}'s flat queue: the item, its revision, bytes and ledger mark. */
const STRIDE = 4;

/**
 * One watcher's queue, and its own async iterator. Written by hand rather than as an async generator: an idle watch
 * stream holds only this object (no generator, its registers and request queue, per stream), and its queue is one
 * flat array, emptied (and its storage freed) whenever the reader catches up.
 */
class QueueSubscription<T> implements Subscription<T>, AsyncIterator<T> {
  // Each queued item takes STRIDE slots: the item, the revision it stands for (to name the resume point if the queue
  // overflows), its bytes, and its event's mark in the hub's ledger. Unset until something is queued.
  private queue: unknown[] | undefined;
  private head = 0;
  private queuedBytes = 0;
  /** What the transport held when last sampled, as counted in the ledger. */
  private transportBytes = 0;
  /** Resolves the reader's pending `next()`, when it waits for an item. */
  private wake: ((result: IteratorResult<T> | Promise<never>) => void) | undefined;
  private ended = false;
  /** The reader has been told the end (done, or the error); later reads are done. */
  private finished = false;
  private error: DomainError | undefined;

  constructor(
    private readonly select: Select<T>,
    /**
     * Every event up to this revision has been taken by the reader (or skipped). The reader is the transport:
     * what it took, it has written to the stream before asking for more. So this is the exact resume point for
     * a client that receives the cut-off message: that message follows, on the same ordered stream, every item
     * taken before it. Nothing later is exact: what the client itself read of the bytes in flight, only it knows
     * (a client that never gets the message resumes from the last revision it received).
     */
    private position: number,
    private readonly ledger: Ledger,
    private readonly sizeOf: ((item: T) => number) | undefined,
    private readonly transport: WatchTransport | undefined,
    /** The hub's subscribers, which this one leaves when it ends. */
    private readonly subscribers: Set<QueueSubscription<unknown>>,
  ) {}

  /** The signal the subscription was made with aborted: it ends. */
  handleEvent(): void {
    this.end();
  }

  offer(event: HubEvent, revision: number, eventSize: number, limits: HubLimits): void {
    if (this.ended) return;
    let item: T | undefined;
    try {
      item = this.select(event);
    } catch (err) {
      // A watcher whose context vanished (a deleted user, say) ends with the reason; the others go on.
      this.end(err instanceof DomainError ? err : new DomainError("UNAVAILABLE", String(err)));
      return;
    }
    const length = this.queue ? this.queue.length : 0;
    if (item === undefined) {
      if (this.head === length) this.position = revision;
      return;
    }
    const queued = (length - this.head) / STRIDE;
    if (queued >= limits.maxQueue) {
      this.cutOff(`watcher fell ${limits.maxQueue} messages behind`);
      return;
    }
    const size = this.sizeOf ? this.sizeOf(item) : eventSize;
    const transportBytes = this.transport ? this.transport.bufferedBytes() : 0;
    const behind = this.queuedBytes + transportBytes;
    // An item that alone exceeds the budget still goes to a reader that keeps up (nothing queued for it).
    if ((queued > 0 && behind + size > limits.maxBytes) || transportBytes > limits.maxBytes) {
      this.cutOff(`watcher fell ${behind + size} bytes behind (the limit is ${limits.maxBytes})`);
      return;
    }
    this.sampleTransport(transportBytes);
    const wake = this.wake;
    if (wake && length === this.head) {
      // The reader waits and nothing is queued: it takes the item at once.
      this.wake = undefined;
      this.position = revision;
      wake({ done: false, value: item });
      return;
    }
    (this.queue ??= []).push(item, revision, size, this.ledger.published);
    this.queuedBytes += size;
  }

  /** The ledger mark of the oldest event still queued here; Infinity when nothing is. */
  get oldestMark(): number {
    return this.queue && this.head < this.queue.length ? (this.queue[this.head + 3] as number) : Infinity;
  }

  /** How far behind this subscriber is, in bytes: events published since its oldest queued one, plus its transport's. */
  held(ledger: Ledger): number {
    const oldest = this.oldestMark;
    return (oldest === Infinity ? 0 : ledger.published - oldest) + this.transportBytes;
  }

  /** Drops what is queued and ends with RESOURCE_EXHAUSTED: the reader resumes from the last event it took. */
  cutOff(reason: string): void {
    this.queue = undefined;
    this.head = 0;
    this.queuedBytes = 0;
    this.end(new DomainError("RESOURCE_EXHAUSTED", `${reason} and was disconnected: reconnect with since_revision=${this.position}`));
    this.transport?.cutOff();
  }

  end(error?: DomainError): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.sampleTransport(0);
    this.subscribers.delete(this as QueueSubscription<unknown>);
    const wake = this.wake;
    if (wake) {
      // Waiting means nothing is queued: the reader learns the end now.
      this.wake = undefined;
      wake(this.finish());
    }
  }

  /** Updates what the ledger counts for this subscription's transport. */
  private sampleTransport(bytes: number): void {
    this.ledger.transport += bytes - this.transportBytes;
    this.transportBytes = bytes;
  }

  /** Takes the oldest queued item (there is one). */
  private take(): T {
    const queue = this.queue as unknown[];
    const at = this.head;
    const item = queue[at] as T;
    this.position = queue[at + 1] as number;
    this.queuedBytes -= queue[at + 2] as number;
    this.head = at + STRIDE;
    if (this.head === queue.length) {
      // Caught up: free the storage rather than keep a burst's worth of slots per idle stream.
      this.queue = undefined;
      this.head = 0;
    } else if (this.head > 1024 * STRIDE && this.head * 2 > queue.length) {
      this.queue = queue.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** What a read gets once the queue is drained and the subscription has ended: the error once, then done. */
  private finish(): IteratorResult<T> | Promise<never> {
    const error = this.finished ? undefined : this.error;
    this.finished = true;
    return error ? Promise.reject(error) : { done: true, value: undefined };
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue && this.head < this.queue.length) return Promise.resolve({ done: false, value: this.take() });
    if (this.ended) return Promise.resolve(this.finish());
    return new Promise<IteratorResult<T>>((resolve) => (this.wake = resolve));
  }

  /** The reader stops early: the subscription ends, and a read still pending is done. */
  return(): Promise<IteratorResult<T>> {
    this.queue = undefined;
    this.head = 0;
    this.queuedBytes = 0;
    this.finished = true;
    this.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }
}
