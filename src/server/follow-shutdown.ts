/**
 * The calls to abort at shutdown, per shutdown signal. One listener on the signal, not one per call: adding
 * a listener to an EventTarget costs time in proportion to those already there (10,000 watch streams took
 * seconds), Node warns of a leak past 10, and a listener per finished call would never be removed.
 */
const shutdownFollowers = new WeakMap<AbortSignal, Set<AbortController>>();

/** Aborts `controller` when `shutdown` aborts, through the signal's one fan-out listener; see {@link unfollowShutdown}. */
export function followShutdown(shutdown: AbortSignal, controller: AbortController): void {
  if (shutdown.aborted) {
    controller.abort(shutdown.reason);
    return;
  }
  let followers = shutdownFollowers.get(shutdown);
  if (!followers) {
    const all = new Set<AbortController>();
    followers = all;
    shutdownFollowers.set(shutdown, all);
    shutdown.addEventListener(
      "abort",
      () => {
        for (const follower of all) follower.abort(shutdown.reason);
        all.clear();
      },
      { once: true },
    );
  }
  followers.add(controller);
}

/** Forgets a call that has ended, so that the fan-out holds only the calls still open. */
export function unfollowShutdown(shutdown: AbortSignal, controller: AbortController): void {
  shutdownFollowers.get(shutdown)?.delete(controller);
}
