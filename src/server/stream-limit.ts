import { DomainError } from "../domain/domain-error.js";
import type { Call } from "./call-context.js";

/** Options of {@link createStreamLimit}. */
export interface StreamLimitOptions {
  /** Streams one client address may hold open at a time. */
  maxPerClient: number;
  /** Streams all clients together may hold open at a time: client addresses are cheap to vary. */
  maxTotal: number;
}

/** Counts the open streams of a set of methods, across both listeners. */
export interface StreamLimit {
  /**
   * Takes a slot for a stream about to open, or throws RESOURCE_EXHAUSTED when its client, or the server, holds
   * the most streams allowed; returns the function that gives the slot back once the stream has ended.
   */
  open(call: Call): () => void;
}

/**
 * Creates the limit that keeps one client address to at most `maxPerClient` open streams, and all clients
 * together to at most `maxTotal`; one more is refused with RESOURCE_EXHAUSTED. The interceptor applies it to
 * the streams of the services it is given for, after the call guard (an unauthenticated caller takes no slot).
 *
 * @example
 * const streams = createStreamLimit({ maxPerClient: 1000, maxTotal: 10_000 });
 * interceptService(FeatureFlagService, impl, { logger, guard, streams });
 */
export function createStreamLimit({ maxPerClient, maxTotal }: StreamLimitOptions): StreamLimit {
  const open = new Map<string, number>();
  let total = 0;
  const release = (address: string) => {
    total--;
    const left = (open.get(address) ?? 1) - 1;
    if (left === 0) open.delete(address);
    else open.set(address, left);
  };
  return {
    open(call) {
      const address = call.clientAddress;
      const count = open.get(address) ?? 0;
      if (count >= maxPerClient) {
        throw new DomainError(
          "RESOURCE_EXHAUSTED",
          `client ${address} already has ${count} streams open, the most one client address may have: close streams it no ` +
            `longer reads, or follow several features on one WatchChanges stream (its features filter)`,
        );
      }
      if (total >= maxTotal) {
        throw new DomainError(
          "RESOURCE_EXHAUSTED",
          `the server already has ${total} streams open, the most it allows: retry later, or follow several features on one ` +
            `WatchChanges stream (its features filter)`,
        );
      }
      open.set(address, count + 1);
      total++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release(address);
      };
    },
  };
}
