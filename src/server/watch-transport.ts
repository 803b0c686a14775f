import type { ServerResponse } from "node:http";
import { createContextKey } from "@connectrpc/connect";
import type { WatchTransport } from "../engine/change-hub.js";

/**
 * The transport of a watch stream, as a listener sets it in the call's context values: the hub counts what it
 * buffers in the watcher's budget and tells it when the watcher is cut off. Unset: the transport buffers
 * nothing of its own beyond a message or two (grpc-js, whose writes wait for the socket to drain).
 */
export const WATCH_TRANSPORT = createContextKey<WatchTransport | undefined>(undefined, { description: "flagwire watch transport" });

/**
 * An HTTP/1.1 response as a watch transport. connect-node waits for 'drain' between messages, yet what the
 * response and its socket buffer is counted all the same. Once the watcher is cut off, its end-stream message
 * (Connect) or trailer (gRPC-Web) goes out if the client reads it within `graceMs`; a client that still does
 * not read is disconnected, so that no buffer is kept for a peer that never reads.
 */
export function httpWatchTransport(res: ServerResponse, graceMs: number): WatchTransport {
  return {
    bufferedBytes: () => res.writableLength,
    cutOff() {
      if (res.writableFinished || res.destroyed) return;
      const timer = setTimeout(() => {
        if (!res.writableFinished) res.destroy();
      }, graceMs);
      timer.unref();
      res.once("close", () => clearTimeout(timer));
    },
  };
}
