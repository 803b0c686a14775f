import { createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { watchChanges, type Code as CodeType } from "../../src/client/web.js";
import type { Change } from "../../gen/flagwire/v1/flags_pb.js";
import type { Api } from "./api.js";

/** Where the change stream stands: what the header shows. */
export type LiveStatus = "connecting" | "live" | "reconnecting" | "stopped";

/** The state of the live connection that every screen follows. */
export interface Live {
  status: LiveStatus;
  /** The revision the page is current at (0 until the stream says). */
  revision: number;
  /** The stream's last error while reconnecting, in the server's words. */
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
  const [state, setState] = useState<{ status: LiveStatus; revision: number; problem: string }>({ status: "connecting", revision: 0, problem: "" });
  useEffect(() => {
    if (!api) return;
    const stop = new AbortController();
    setState({ status: "connecting", revision: 0, problem: "" });
    (async () => {
      const stream = watchChanges(api.flags, {
        signal: stop.signal,
        maxBackoffMs: 2000,
        onReconnect: (event) => setState((s) => ({ ...s, status: "reconnecting", problem: event.error.rawMessage })),
      });
      try {
        for await (const message of stream) {
          const revision = message.change ? Number(message.change.revision) : message.heartbeat ? Number(message.heartbeat.revision) : undefined;
          if (revision !== undefined) setState({ status: "live", revision, problem: "" });
          if (message.change) for (const listener of listeners.current) listener(message.change);
        }
      } catch (error) {
        const problem = (error as { rawMessage?: string }).rawMessage ?? String(error);
        setState((s) => ({ ...s, status: "stopped", problem }));
      }
    })();
    return () => stop.abort();
  }, [api]);
  return {
    ...state,
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  };
}

/** The page's live connection, provided by the app shell. */
export const LiveContext = createContext<Live | undefined>(undefined);

/**
 * Re-runs `load` whenever a change arrives that `concerns` accepts (every change by default), at most once per
 * frame: screens update in place, from the server's answers, never from a guess.
 */
export function useLiveReload(load: () => void, concerns: (change: Change) => boolean = () => true): void {
  const live = useContext(LiveContext);
  const latest = useRef({ load, concerns });
  latest.current = { load, concerns };
  useEffect(() => {
    if (!live) return;
    let pending = 0;
    return live.subscribe((change) => {
      if (!latest.current.concerns(change) || pending) return;
      pending = requestAnimationFrame(() => {
        pending = 0;
        latest.current.load();
      });
    });
  }, [live]);
}

export type { CodeType };
