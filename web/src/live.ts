import { createContext } from "preact";
import { useContext, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { watchChanges } from "../../src/client/web.js";
import type { Change } from "../../gen/flagwire/v1/flags_pb.js";
import type { Api } from "./api.js";

/** Where the change stream stands: what the header shows. */
export type LiveStatus = "connecting" | "live" | "reconnecting" | "stopped";

/** The state of the live connection that every screen follows. */
export interface Live {
  status: LiveStatus;
  /** The revision the page is current at (0 until the stream says). */
  revision: number;
  /** The stream's last error while reconnecting or stopped, in the server's words. */
  problem: string;
  /** Calls `listener` with each change, in revision order; answers the unsubscribe. */
  subscribe(listener: (change: Change) => void): () => void;
}

/**
 * Follows WatchChanges for the whole page. `watchChanges` reconnects with backoff and resumes after the last
 * revision it saw (heartbeats included), so a drop or a server restart loses nothing: the changes made
 * meanwhile are replayed and every screen refreshes from them.
 */
export function useLiveConnection(api: Api | undefined): Live {
  const listeners = useRef(new Set<(change: Change) => void>());
  const [state, setState] = useState({ status: "connecting" as LiveStatus, revision: 0, problem: "" });
  useEffect(() => {
    if (!api) return;
    const stop = new AbortController();
    setState({ status: "connecting", revision: 0, problem: "" });
    (async () => {
      const stream = watchChanges(api.flags, {
        signal: stop.signal,
        maxBackoffMs: 1000,
        onReconnect: (event) => setState((s) => ({ ...s, status: "reconnecting", problem: event.error.rawMessage })),
      });
      try {
        for await (const message of stream) {
          const at = message.change?.revision ?? message.heartbeat?.revision;
          if (at !== undefined) setState({ status: "live", revision: Number(at), problem: "" });
          if (message.change) for (const listener of listeners.current) listener(message.change);
        }
      } catch (error) {
        const problem = (error as { rawMessage?: string }).rawMessage ?? String(error);
        setState((s) => ({ ...s, status: "stopped", problem }));
      }
    })();
    return () => stop.abort();
  }, [api]);
  const subscribe = useMemo(
    () => (listener: (change: Change) => void) => {
      listeners.current.add(listener);
      return () => void listeners.current.delete(listener);
    },
    [],
  );
  return useMemo(() => ({ ...state, subscribe }), [state, subscribe]);
}

/** The page's live connection, provided by the app shell. */
export const LiveContext = createContext<Live | undefined>(undefined);

/** The page's live connection (status and revision re-render the caller). */
export function useLive(): Live | undefined {
  return useContext(LiveContext);
}

/**
 * Re-runs `load` whenever a change arrives that `concerns` accepts (every change by default), at most once per
 * burst: screens update in place from the server's answers, never from a guess.
 */
export function useLiveReload(load: () => void, concerns: (change: Change) => boolean = () => true): void {
  const subscribe = useContext(LiveContext)?.subscribe;
  const latest = useRef({ load, concerns });
  latest.current = { load, concerns };
  useEffect(() => {
    if (!subscribe) return;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const off = subscribe((change) => {
      if (pending !== undefined || !latest.current.concerns(change)) return;
      pending = setTimeout(() => {
        pending = undefined;
        latest.current.load();
      }, 20);
    });
    return () => {
      off();
      clearTimeout(pending);
    };
  }, [subscribe]);
}
