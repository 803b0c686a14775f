import { DomainError } from "../domain/domain-error.js";
import type { HubEvent, Select, Subscription, WatchTransport } from "./hub-events.js";

/** The hub's running totals, shared with its subscriptions. */
export interface Ledger {
  /** Bytes of every event published so far: an event's mark is this count just before it. */
  published: number;
  /** What the subscriptions' transports hold, as last sampled. */
  transport: number;
  /** A mark no queued item is older than (exact after a measure; it only grows, so it never overstates). */
  oldest: number;
}

export interface HubLimits {
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
export class QueueSubscription<T> implements Subscription<T>, AsyncIterator<T> {
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
