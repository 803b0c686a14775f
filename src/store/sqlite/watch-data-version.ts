/**
 * Polls `PRAGMA data_version`, which moves only when another connection committed, while anyone listens; then
 * tells the listeners the latest revision. After a failure it tells them on every tick until a look succeeds,
 * since the commits that moved the version may not have been read.
 */
export function watchDataVersion(version: () => number, latest: () => number, intervalMs: number) {
  const listeners = new Set<{ listener: (revision: number) => void; onError?: ((err: unknown) => void) | undefined }>();
  let seen: number | undefined;
  let failing = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const tick = (): void => {
    try {
      const now = version();
      if (now === seen && !failing) return;
      seen = now;
      const revision = latest();
      failing = false;
      for (const { listener } of listeners) listener(revision);
    } catch (err) {
      if (!failing) for (const { onError } of listeners) onError?.(err);
      failing = true;
    }
  };
  return {
    subscribe(listener: (revision: number) => void, onError?: (err: unknown) => void): () => void {
      const entry = { listener, onError };
      listeners.add(entry);
      if (!timer) {
        // The version as of now: what the subscriber already read counts as seen. Unknown when the look fails:
        // then the first tick reports, which costs a reader one empty read at most.
        try {
          seen = version();
        } catch {
          seen = undefined;
        }
        timer = setInterval(tick, intervalMs);
        timer.unref();
      }
      return () => {
        listeners.delete(entry);
        if (listeners.size === 0) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    stop(): void {
      listeners.clear();
      clearInterval(timer);
      timer = undefined;
    },
  };
}
