import { expect } from "vitest";
import type { FlagClient } from "../../src/client/create-flag-client.js";
import type { FlagReader } from "../../src/store/flag-store.js";
import { picture, replay, wholeLog } from "./state-picture.js";
import { describeChange, isWriterChange, writeCycle } from "./write-cycle.js";

/** What one writer had acknowledged: the revision of each of its writes, in order. */
export interface WriterLog {
  prefix: string;
  acknowledged: bigint[];
  /** Why it stopped early, if a call failed (the server or the database went away under it). */
  failure?: unknown;
}

/**
 * Runs `writers` writers of {@link writeCycle}s, spread over `clients`, until `shouldStop(acks)` says so or each made
 * `limit` writes. A failed call ends its writer: that write may or may not have committed, and the next one of
 * its cycle would depend on it.
 */
export async function runCycleWriters(options: {
  clients: readonly FlagClient[];
  writers: number;
  prefix: string;
  limit: number;
  shouldStop?: (acks: number) => boolean;
}): Promise<WriterLog[]> {
  let acks = 0;
  const writer = async (w: number): Promise<WriterLog> => {
    const log: WriterLog = { prefix: `${options.prefix}-w${w}`, acknowledged: [] };
    const client = options.clients[w % options.clients.length] as FlagClient;
    while (log.acknowledged.length < options.limit && !options.shouldStop?.(acks)) {
      try {
        const { revision } = await writeCycle(log.prefix, log.acknowledged.length).call(client);
        log.acknowledged.push(revision);
        acks++;
      } catch (err) {
        log.failure = err;
        return log;
      }
    }
    return log;
  };
  return Promise.all(Array.from({ length: options.writers }, (_, w) => writer(w)));
}

/**
 * Checks a store after a crash: the log is gap-free from 1; every acknowledged write is in it at the revision it was
 * acknowledged with; each writer's changes are its acknowledged writes, plus at most the one it was waiting for
 * (committed, not acknowledged); and the log replays to exactly the stored state (nothing half-applied).
 */
export async function expectAcknowledgedWrites(store: FlagReader, logs: readonly WriterLog[]): Promise<void> {
  const log = await wholeLog(store);
  expect(log.map((c) => c.revision)).toEqual(log.map((_, i) => i + 1));
  const byRevision = new Map(log.map((change) => [change.revision, change]));
  for (const { prefix, acknowledged } of logs) {
    const expected = acknowledged.map((_, i) => writeCycle(prefix, i).expected);
    const atRevisions = acknowledged.map((revision) => {
      const change = byRevision.get(Number(revision));
      return change ? describeChange(change) : `(no change at revision ${revision})`;
    });
    expect(atRevisions, prefix).toEqual(expected);
    const logged = log.filter((change) => isWriterChange(prefix, change)).map(describeChange);
    const inFlight = writeCycle(prefix, acknowledged.length).expected;
    expect([expected, [...expected, inFlight]], prefix).toContainEqual(logged);
  }
  expect(picture(await store.loadState())).toEqual(picture(replay(log)));
}
