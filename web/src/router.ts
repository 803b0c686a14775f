import { useEffect, useState } from "preact/hooks";

// A router of a few lines: the screens are few, and history.pushState plus popstate is all they need.
const listeners = new Set<() => void>();

/** Shows the screen at `path` (and its query), adding a history entry unless `replace`. */
export function navigate(path: string, replace = false): void {
  if (path === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  for (const listener of listeners) listener();
}

/** The current path and query; re-renders the caller on every navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((tick) => tick + 1);
    listeners.add(update);
    addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      removeEventListener("popstate", update);
    };
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Replaces the query of the current entry without a new history entry (search boxes, filters). */
export function replaceQuery(params: Record<string, string>): void {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== "") query.set(name, value);
  const search = query.toString();
  history.replaceState(null, "", location.pathname + (search ? `?${search}` : ""));
}

/** The URL of a feature's screen. */
export function featurePath(name: string): string {
  return `/features/${encodeURIComponent(name)}`;
}
