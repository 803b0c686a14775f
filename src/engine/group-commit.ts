import { randomBytes } from "node:crypto";
import type { Change, ChangeData, ChangeRequest } from "../domain/change.js";
import { DomainError } from "../domain/domain-error.js";
import type { FlagState } from "../domain/flag-state.js";
import { planChange } from "../domain/plan-change.js";
import type { FlagStore } from "../store/flag-store.js";
import type { ChangeHub } from "./change-hub.js";
import type { EngineObserver } from "./engine-observer.js";

/** The outcome of a write: the committed change, or null when the write changed nothing. */
export interface MutationResult<T = unknown> {
  change: Change | null;
  /** The revision the write produced, or the current one when it changed nothing. */
  revision: number;
  /**
   * What the write's `view` read of the state right after it (before any later write of its group): a domain
   * value, which must not alias records that later writes change in place.
   */
  view: T;
}

/** Options of {@link createGroupCommit}. */
export interface GroupCommitOptions {
  store: FlagStore;
  state: FlagState;
  hub: ChangeHub;
  clock: () => number;
  /** The bucketing salt of a new feature. */
  salt?: (() => string) | undefined;
  /** Told of each group commit, of others' commits applied here, and of failed transactions. */
  observer?: EngineObserver | undefined;
}

/** The most writes one group commit takes; more wait for the next turn of the event loop. */
const MAX_GROUP_COMMIT = 1_000;

/** Changes read from the store per catch-up step, so a long catch-up never holds the whole log in memory. */
export const READ_BATCH = 500;

interface QueuedWrite {
  readonly data: ChangeData;
  readonly actor: string | null;
  readonly view?: (() => unknown) | undefined;
  resolve(result: MutationResult): void;
  reject(error: unknown): void;
}

/** UNAVAILABLE for a write that comes after shutdown began. */
export function shuttingDown(): DomainError {
  return new DomainError("UNAVAILABLE", "the server is shutting down: retry against a running server");
}

/**
 * The write path: writes submitted in one turn of the event loop share one transaction (one durable commit), each
 * checked against the state the ones before it left and each in its own savepoint; then they are published.
 * Transactions and catch-ups on others' commits run one at a time, in order, so the state only moves forward.
 */
export function createGroupCommit(options: GroupCommitOptions) {
  const { store, state, hub, clock } = options;
  const observer = options.observer ?? {};
  const salt = options.salt ?? (() => randomBytes(8).toString("hex"));
  // A new feature's salt is drawn here, once: it is then fixed in the change log and never changes.
  const withSalt = (request: ChangeRequest): ChangeData =>
    request.kind === "feature.created" ? { ...request, salt: request.salt ?? salt() } : request;
  const queue: QueuedWrite[] = [];
  let scheduled = false;
  let closed = false;
  let tail: Promise<unknown> = Promise.resolve();
  let published = state.revision;
  const publish = (change: Change): void => {
    hub.publish({ type: "change", change });
    published = change.revision;
  };
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };

  /** Applies and publishes others' commits the state has not seen yet. */
  const applyMissed = (changes: readonly Change[]): void => {
    for (const change of changes) {
      if (change.revision <= state.revision) continue;
      observer.appliedElsewhere?.(clock() - change.at);
      state.apply(change);
      publish(change);
    }
  };

  // Set while the state holds changes applied ahead of a commit that failed, and storage could not be read since.
  let stale = false;
  /**
   * Adopts what storage holds, and publishes the changes after the last published one up to it: they include a
   * commit that landed though its answer was lost (a dropped connection), which watchers must not miss.
   */
  const resync = async (): Promise<void> => {
    const fresh = await store.loadState();
    const landed = fresh.revision > published ? await store.readChanges(published, fresh.revision - published) : [];
    state.adopt(fresh);
    stale = false;
    for (const change of landed) publish(change);
  };

  const commitAll = async (writes: readonly QueuedWrite[]): Promise<(MutationResult | Error)[]> => {
    const outcomes: (MutationResult | Error)[] = [];
    const committed: Change[] = [];
    const started = performance.now();
    try {
      await store.write(state.revision, (missed, writer) => {
        applyMissed(missed);
        for (const write of writes) {
          try {
            const planned = planChange(state, write.data);
            if (planned === null) {
              outcomes.push({ change: null, revision: state.revision, view: write.view?.() });
              continue;
            }
            const change = writer.append(planned, write.actor, clock());
            // Applied before the commit, so that the next write of the group is checked against it.
            state.apply(change);
            committed.push(change);
            outcomes.push({ change, revision: change.revision, view: write.view?.() });
          } catch (err) {
            outcomes.push(err instanceof Error ? err : new Error(String(err)));
          }
        }
      });
    } catch (err) {
      observer.storageFailed?.("write");
      // The commit failed: what was applied ahead of it never happened. Back to what storage holds, now if it can
      // be read, else before anything else runs (a network database may be gone for a while).
      if (committed.length > 0) {
        stale = true;
        await resync().catch(() => undefined);
      }
      throw err;
    }
    observer.committed?.(writes.length, (performance.now() - started) / 1000);
    for (const change of committed) publish(change);
    return outcomes;
  };

  const flush = (): Promise<void> =>
    serial(async () => {
      const batch = queue.splice(0, MAX_GROUP_COMMIT);
      if (batch.length === 0) return;
      if (queue.length > 0) schedule();
      let outcomes: (MutationResult | Error)[];
      try {
        if (stale) await resync();
        outcomes = await commitAll(batch);
      } catch (err) {
        for (const write of batch) write.reject(err);
        return;
      }
      batch.forEach((write, i) => {
        const outcome = outcomes[i] as MutationResult | Error;
        if (outcome instanceof Error) write.reject(outcome);
        else write.resolve(outcome);
      });
    });
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  let catchUpQueued = false;
  return {
    /** The latest revision published to the hub; behind the state's only while a commit is being acknowledged. */
    get publishedRevision(): number {
      return published;
    },

    /**
     * Queues a write for this turn's group commit; it resolves once it is durable, or fails on its own. `view`
     * reads what the caller needs from the state right after this write, before later writes of its group.
     */
    submit<T = undefined>(request: ChangeRequest, actor: string | null, view?: () => T): Promise<MutationResult<T>> {
      if (closed) return Promise.reject(shuttingDown());
      return new Promise<MutationResult<T>>((resolve, reject) => {
        queue.push({ data: withSalt(request), actor, view, resolve: resolve as (result: MutationResult) => void, reject });
        schedule();
      });
    },

    /** Reads, applies and publishes what other processes committed after the state's revision. */
    catchUp(): Promise<void> {
      // One queued catch-up reads everything up to the latest revision: more would find nothing.
      if (catchUpQueued) return tail.then(() => undefined);
      catchUpQueued = true;
      return serial(async () => {
        catchUpQueued = false;
        if (stale) await resync();
        for (;;) {
          const batch = await store.readChanges(state.revision, READ_BATCH);
          applyMissed(batch);
          if (batch.length < READ_BATCH) return;
        }
      });
    },

    /** Refuses further writes and resolves once those already submitted are committed (or failed). */
    async close(): Promise<void> {
      closed = true;
      while (queue.length > 0) await flush();
      await tail;
    },
  };
}

/** The write path as the engine wires it. */
export type GroupCommit = ReturnType<typeof createGroupCommit>;
