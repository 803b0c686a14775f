import { describe, expect, it } from "vitest";
import { createChangeHub, type HubEvent } from "../../../src/engine/change-hub.js";
import { DomainError } from "../../../src/domain/domain-error.js";
import { handOver } from "../../../src/engine/hand-over.js";

// handOver: a watch's preamble (replay, snapshot, first heartbeat), then its live subscription read directly; and the
// subscription's own iterator, which an idle stream holds instead of generators.

const heartbeat = (revision: number): HubEvent => ({ type: "heartbeat", revision, at: 0 });

async function* preamble(items: number[], live: AsyncIterable<number> | undefined): AsyncGenerator<number, AsyncIterable<number> | undefined> {
  for (const item of items) yield item;
  return live;
}

async function* numbers(from: number, to: number): AsyncGenerator<number> {
  for (let n = from; n <= to; n++) yield n;
}

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of stream) values.push(value);
  return values;
}

describe("handOver", () => {
  it.each([
    { case: "preamble then live", items: [1, 2], live: numbers(3, 4), expected: [1, 2, 3, 4] },
    { case: "empty preamble", items: [], live: numbers(1, 2), expected: [1, 2] },
    { case: "no live part: the stream ends", items: [1], live: undefined, expected: [1] },
  ])("yields the $case", async ({ items, live, expected }) => {
    expect(await drain(handOver(preamble(items, live)))).toEqual(expected);
  });

  it("passes on an error of the preamble", async () => {
    async function* failing(): AsyncGenerator<number, AsyncIterable<number>> {
      yield 1;
      throw new DomainError("UNAVAILABLE", "shutting down");
    }
    const stream = handOver(failing());
    expect((await stream.next()).value).toBe(1);
    await expect(stream.next()).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });

  it("ends the live subscription on return, during the preamble (its finally) and after it", async () => {
    const hub = createChangeHub();
    async function* watch(): AsyncGenerator<HubEvent, AsyncIterable<HubEvent>> {
      const subscription = hub.subscribe((event) => event, { position: 0 });
      let handed = false;
      try {
        yield heartbeat(0);
        handed = true;
        return subscription;
      } finally {
        if (!handed) subscription.end();
      }
    }
    const early = handOver(watch());
    await early.next();
    expect(hub.size).toBe(1);
    await early.return?.();
    expect(hub.size).toBe(0);

    const late = handOver(watch());
    await late.next();
    const pending = late.next(); // the live read waits for a publish
    await Promise.resolve();
    await late.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(hub.size).toBe(0);
  });
});

describe("a hub subscription read as an iterator", () => {
  it("hands a publish to a waiting reader, drains what is queued before the end, then throws the error once", async () => {
    const hub = createChangeHub();
    const reader = hub.subscribe((event) => event, { position: 0 })[Symbol.asyncIterator]();
    const waiting = reader.next();
    hub.publish(heartbeat(1));
    expect((await waiting).value).toEqual(heartbeat(1));
    hub.publish(heartbeat(2));
    hub.publish(heartbeat(3));
    hub.close(new DomainError("UNAVAILABLE", "closed"));
    expect((await reader.next()).value).toEqual(heartbeat(2));
    expect((await reader.next()).value).toEqual(heartbeat(3));
    await expect(reader.next()).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(await reader.next()).toEqual({ done: true, value: undefined });
  });

  it("ends when its signal aborts, also with a read pending", async () => {
    const hub = createChangeHub();
    const abort = new AbortController();
    const reader = hub.subscribe((event) => event, { position: 0, signal: abort.signal })[Symbol.asyncIterator]();
    const waiting = reader.next();
    abort.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(hub.size).toBe(0);
  });
});
