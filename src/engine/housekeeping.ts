import type { FlagStore, RetentionPolicy } from "../store/flag-store.js";
import type { ChangeHub } from "./change-hub.js";

/** Options of {@link startHousekeeping}. */
export interface HousekeepingOptions {
  store: FlagStore;
  hub: ChangeHub;
  clock: () => number;
  /** The revision heartbeats report: the latest one published. */
  revision: () => number;
  /** The engine's revision: a "committed elsewhere" report at or below it is old news. */
  stateRevision: () => number;
  /** Reads and applies others' commits (serialised with the engine's own writes). */
  catchUp: () => Promise<void>;
  /** How often watch streams get a heartbeat; default 15 s. */
  heartbeatIntervalMs?: number | undefined;
  /** Which changes the log keeps; default all. */
  retention?: RetentionPolicy | undefined;
  /** How often retention prunes the log; default 60 s (the first prune is the caller's, at start). */
  pruneIntervalMs?: number | undefined;
  /** Told when finding or reading other processes' changes fails, once per run of failures; it is retried. */
  onPollError?: ((err: unknown) => void) | undefined;
}

/** How soon a failed catch-up is tried again: the store will not report the same commits twice. */
const CATCH_UP_RETRY_MS = 50;

/**
 * The engine's background jobs: catching up when the store reports others' commits, heartbeats for watch
 * streams, and pruning the change log. Returns the function that stops them all.
 */
export function startHousekeeping(options: HousekeepingOptions): () => void {
  const { store, hub, clock } = options;
  let failing = false;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const catchUp = (): void => {
    clearTimeout(retry);
    retry = undefined;
    options.catchUp().then(
      () => (failing = false),
      (err: unknown) => {
        if (stopped) return;
        if (!failing) options.onPollError?.(err);
        failing = true;
        retry = setTimeout(catchUp, CATCH_UP_RETRY_MS);
        retry.unref();
      },
    );
  };
  const unsubscribe = store.onCommittedElsewhere(
    (revision) => {
      if (revision > options.stateRevision() || failing) catchUp();
    },
    (err) => options.onPollError?.(err),
  );
  // Commits made between loading the state and subscribing were reported to nobody.
  catchUp();
  // One heartbeat object for all streams: a transport can encode it once.
  const heartbeat = setInterval(() => {
    if (hub.size > 0) hub.publish({ type: "heartbeat", revision: options.revision(), at: clock() });
  }, options.heartbeatIntervalMs ?? 15_000);
  heartbeat.unref();
  const { retention } = options;
  const pruning = setInterval(() => {
    // Housekeeping: a busy or failing database is retried on the next round.
    if (retention) store.pruneChanges(retention, clock()).catch(() => undefined);
  }, options.pruneIntervalMs ?? 60_000);
  pruning.unref();
  return () => {
    stopped = true;
    unsubscribe();
    clearTimeout(retry);
    clearInterval(heartbeat);
    clearInterval(pruning);
  };
}
