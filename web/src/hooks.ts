import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "./error-message.js";
import { useLiveReload } from "./live.js";
import type { Change } from "../../gen/flagwire/v1/flags_pb.js";

/**
 * Runs one kind of action (a write) and keeps its outcome: `error` is the server's message of the last failed
 * run, cleared by the next run. Nothing is changed on the page by a failure; the live stream shows successes.
 */
export function useAction(): { run: (action: () => Promise<unknown>) => Promise<boolean>; busy: boolean; error: string; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError("");
    try {
      await action();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, busy, error, clear: () => setError("") };
}

/** One page of a token-paged list. */
export interface PageOf<T> {
  items: T[];
  nextPageToken: string;
}

/**
 * A token-paged list that reloads its current page on every change `concerns` accepts and whenever `deps`
 * change (then from the first page). Answers that arrive out of order are dropped: the newest request wins.
 */
export function usePagedList<T>(
  load: (pageToken: string) => Promise<PageOf<T>>,
  deps: unknown[],
  concerns?: (change: Change) => boolean,
) {
  const [tokens, setTokens] = useState<string[]>([""]);
  const [page, setPage] = useState<PageOf<T> | undefined>(undefined);
  const [error, setError] = useState("");
  const sequence = useRef(0);
  const current = tokens[tokens.length - 1] ?? "";
  const fetchPage = useCallback(
    (token: string) => {
      const mine = ++sequence.current;
      load(token).then(
        (answer) => {
          if (mine !== sequence.current) return;
          setPage(answer);
          setError("");
        },
        (err: unknown) => {
          if (mine === sequence.current) setError(errorMessage(err));
        },
      );
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    deps,
  );
  useEffect(() => {
    setTokens([""]);
    fetchPage("");
  }, [fetchPage]);
  useLiveReload(() => fetchPage(current), concerns);
  return {
    items: page?.items ?? [],
    loaded: page !== undefined,
    error,
    page: tokens.length - 1,
    hasNext: (page?.nextPageToken ?? "") !== "",
    next() {
      if (!page?.nextPageToken) return;
      setTokens([...tokens, page.nextPageToken]);
      fetchPage(page.nextPageToken);
    },
    previous() {
      if (tokens.length < 2) return;
      const back = tokens.slice(0, -1);
      setTokens(back);
      fetchPage(back[back.length - 1] ?? "");
    },
    reload: () => fetchPage(current),
  };
}

/** `value`, once it has stopped changing for `ms`: search boxes ask the server once per pause, not per key. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
