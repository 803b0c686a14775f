import { describe, expect, it } from "vitest";
import { createChangeHub, eventBytes, type HubEvent } from "../../../src/engine/change-hub.js";
import { DomainError } from "../../../src/domain/domain-error.js";

// The hub's budgets, in bytes: per watcher (what it has queued plus what its transport buffers) and for all
// watchers together. Writers (publish) never wait; the watcher over budget is the one that is cut off.

function change(revision: number): HubEvent {
  return { type: "change", change: { kind: "feature.created", feature: `f${revision}`, enabled: false, description: "x".repeat(100), salt: "s", revision, at: 0, actor: null } };
}

async function errorOf(iterator: AsyncIterator<unknown>): Promise<string> {
  for (;;) {
    try {
      if ((await iterator.next()).done) return "ended";
    } catch (err) {
      return err instanceof DomainError ? `${err.code}: ${err.message}` : String(err);
    }
  }
}

describe("change hub byte budgets", () => {
  it("cuts the watcher furthest behind when all together hold too much; the others go on", async () => {
    const size = eventBytes(change(1));
    const hub = createChangeHub({ maxTotalBytes: 7 * size, maxBytes: 1e9, maxQueue: 1e9 });
    const reader = hub.subscribe((event) => event, { position: 0 })[Symbol.asyncIterator]();
    const behind = hub.subscribe((event) => event, { position: 0 })[Symbol.asyncIterator]();
    let later: AsyncIterator<unknown> | undefined;
    const seen: unknown[] = [];
    for (let revision = 1; revision <= 9; revision++) {
      hub.publish(change(revision)); // never waits
      seen.push((await reader.next()).value);
      if (revision === 1) expect((await behind.next()).value).toEqual(change(1)); // then it stops reading
      if (revision === 5) later = hub.subscribe((event) => event, { position: 5 })[Symbol.asyncIterator]();
    }
    // The queues share the events: at revision 9 what is held is 2..9 (what behind still queues), 8 over 7, so
    // behind is cut, naming the last change it took; then only later's 6..9 is held.
    expect(hub.size).toBe(2);
    expect(await errorOf(behind)).toBe(
      `RESOURCE_EXHAUSTED: watcher fell ${8 * size} bytes behind, the furthest of all while together watchers held more than the server's limit of ${7 * size} bytes, and was disconnected: reconnect with since_revision=1`,
    );
    expect(hub.heldBytes).toBe(4 * size);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map(change));
    expect((await later?.next())?.value).toEqual(change(6));
    hub.close(new DomainError("UNAVAILABLE", "closed"));
    expect(hub.heldBytes).toBe(0);
  });

  it("counts an event queued for many watchers once: a burst to 1,000 watchers that keep up cuts none off", async () => {
    const size = eventBytes(change(1));
    // 100 events published in one turn (a group commit) to 1,000 watchers: 100 events held, not 100,000.
    const hub = createChangeHub({ maxTotalBytes: 150 * size, maxBytes: 1e9, maxQueue: 1e9 });
    const watchers = Array.from({ length: 1000 }, () => hub.subscribe((event) => event, { position: 0 })[Symbol.asyncIterator]());
    let burst = 0;
    for (let revision = 1; revision <= 100; revision++) {
      hub.publish(change(revision));
      burst += eventBytes(change(revision));
    }
    expect(hub.size).toBe(1000);
    expect(hub.heldBytes).toBe(burst);
    for (const watcher of watchers) for (let revision = 1; revision <= 100; revision++) expect((await watcher.next()).value).toEqual(change(revision));
    expect(hub.heldBytes).toBe(0);
    // A second burst past the budget with every watcher still behind the first: the furthest are cut until it fits.
    for (let revision = 101; revision <= 260; revision++) hub.publish(change(revision));
    expect(hub.heldBytes).toBeLessThanOrEqual(150 * size);
    hub.close(new DomainError("UNAVAILABLE", "closed"));
  });

  it("counts what the transport buffers in a watcher's own budget, and tells the transport of the cut-off", async () => {
    const size = eventBytes(change(1));
    const hub = createChangeHub({ maxBytes: 5 * size });
    let buffered = 0;
    let cutOff = 0;
    const transport = { bufferedBytes: () => buffered, cutOff: () => cutOff++ };
    const watcher = hub.subscribe((event) => event, { position: 0, transport })[Symbol.asyncIterator]();
    hub.publish(change(1));
    expect((await watcher.next()).value).toEqual(change(1));
    buffered = 3 * size; // the response holds what the client has not read
    hub.publish(change(2));
    hub.publish(change(3)); // 3 buffered + 2 queued: at the limit, still in
    expect(cutOff).toBe(0);
    hub.publish(change(4));
    expect(cutOff).toBe(1);
    expect(await errorOf(watcher)).toBe(
      `RESOURCE_EXHAUSTED: watcher fell ${6 * size} bytes behind (the limit is ${5 * size}) and was disconnected: reconnect with since_revision=1`,
    );
    expect(hub.heldBytes).toBe(0);
  });
});
