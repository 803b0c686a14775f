import { afterEach, describe, expect, it } from "vitest";
import { openRawWatch, type RawWatch, type RawWatchProtocol } from "../../support/raw-watch.js";
import { readStream } from "../../support/stream-reader.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { waitUntil } from "../../support/wait-until.js";

// Watchers on the HTTP port (Connect and gRPC-Web over HTTP/1.1) that stop reading: each is cut off with
// RESOURCE_EXHAUSTED naming where to resume, and what the server held for it is freed, while writers and the
// other watchers go on. The clients are raw sockets that read nothing, so that nothing reads ahead for them.

let ts: TestServer | undefined;
let raw: RawWatch[] = [];
afterEach(async () => {
  for (const watch of raw) watch.close();
  raw = [];
  await ts?.close();
  ts = undefined;
});

const PROTOCOLS: RawWatchProtocol[] = ["connect+json", "connect+proto", "grpc-web"];
// A change of about 1 KB: the kernel's socket buffers (a few MB on loopback) fill after a few thousand.
const DESCRIPTION = "x".repeat(1000);
const MAX_WRITES = 8000;

function rssMb(): string {
  return `${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`;
}

/**
 * Writes ~1 KB changes until `done` or MAX_WRITES, and returns how many. Between batches the server gets to send,
 * and `caughtUp` (a reader in this very process, which back-to-back writes would starve) to catch up.
 */
async function writeUntil(server: TestServer, done: () => boolean, caughtUp: () => boolean = () => true): Promise<number> {
  let writes = 0;
  const pending: Promise<unknown>[] = [];
  while (!done() && writes < MAX_WRITES) {
    pending.push(server.server.engine.submit({ kind: "feature.created", feature: `f${writes}`, enabled: false, description: DESCRIPTION, salt: "s" }, null));
    writes++;
    // Ten writes per turn (one group commit), then the server gets to send.
    if (writes % 10 === 0) await Promise.all(pending.splice(0));
    if (writes % 50 === 0) await waitUntil("the reading watcher to catch up", caughtUp, 10_000);
    if (writes % 2000 === 0) console.log(`after ${writes} writes: rss ${rssMb()}, watchers ${server.server.engine.watcherCount}`);
  }
  return writes;
}

/** Every revision from `from` to `to`, in order. */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("HTTP-port watchers that stop reading", () => {
  it("are cut off; one that never reads is disconnected and freed; resuming from what it got misses nothing", async () => {
    ts = await startTestServer({ watchByteLimit: 256 * 1024, heartbeatIntervalMs: 60_000, limits: { cutOffGraceMs: 300 } });
    const server = ts;
    const port = server.server.httpPort;
    console.log(`before: rss ${rssMb()}`);
    raw = PROTOCOLS.map((protocol) => openRawWatch(port, protocol));
    const reading = readStream(server.client("connect").watchChanges({}));
    await reading.next(); // current
    await waitUntil("every watcher open", () => server.server.engine.watcherCount === 4, 5000);

    const caughtUp = () => Number(reading.buffered.at(-1)?.change?.revision ?? 0) === server.server.engine.revision;
    const writes = await writeUntil(server, () => server.server.engine.watcherCount === 1, caughtUp);
    console.log(`during: rss ${rssMb()} after ${writes} writes, watchers ${server.server.engine.watcherCount}, held ${server.server.engine.watchHeldBytes} bytes`);
    // Cut off, all three, before the writes ran out; the reading watcher stays, and saw every write.
    expect(server.server.engine.watcherCount).toBe(1);
    expect(writes).toBeLessThan(MAX_WRITES);
    const seen = await reading.until((m) => Number(m.change?.revision) === server.server.engine.revision, 10_000);
    expect(seen.filter((m) => m.change)).toHaveLength(writes);

    // Their connections are closed by the server (after the grace), so nothing is kept for a peer that never reads:
    // reading now gets what the kernel held, then the end of the connection. Only when the end-stream message had
    // already gone into the kernel's buffers before the grace ran out (a slow machine) does it arrive, and then it
    // names exactly the last change received.
    const outcomes = await Promise.all(raw.map((watch) => watch.readToEnd(10_000)));
    // What is left is the reading watcher's share, under its budget.
    expect(server.server.engine.watchHeldBytes).toBeLessThan(256 * 1024);
    console.log(`after: rss ${rssMb()}, watchers ${server.server.engine.watcherCount}, held ${server.server.engine.watchHeldBytes} bytes`);
    for (const [i, outcome] of outcomes.entries()) {
      const last = outcome.revisions.at(-1) ?? 0;
      if (outcome.code !== undefined) {
        expect(outcome.code, PROTOCOLS[i]).toBe("resource_exhausted");
        expect(outcome.message, PROTOCOLS[i]).toMatch(new RegExp(`reconnect with since_revision=${last}$`));
      }
      expect(outcome.revisions).toEqual(range(1, last));
      // Resuming from the last change it received misses nothing.
      const rest = readStream(server.client("connect").watchChanges({ sinceRevision: BigInt(last) }));
      const replay = (await rest.until((m) => m.heartbeat !== undefined, 10_000)).filter((m) => m.change).map((m) => Number(m.change?.revision));
      expect([...outcome.revisions, ...replay]).toEqual(range(1, server.server.engine.revision));
    }
  }, 60_000);

  it.each(PROTOCOLS)("over %s, a client that reads again soon gets RESOURCE_EXHAUSTED naming exactly the last change it got", async (protocol) => {
    ts = await startTestServer({ watchByteLimit: 64 * 1024, heartbeatIntervalMs: 60_000, limits: { cutOffGraceMs: 30_000 } });
    const server = ts;
    const port = server.server.httpPort;
    const before = rssMb();
    const stalled = openRawWatch(port, protocol);
    raw.push(stalled);
    await waitUntil("the watcher open", () => server.server.engine.watcherCount === 1, 5000);
    const writes = await writeUntil(server, () => server.server.engine.watcherCount === 0);
    const during = rssMb();
    expect(writes).toBeLessThan(MAX_WRITES);

    const outcome = await stalled.readToEnd(10_000);
    console.log(`${protocol}: rss before ${before}, when cut off ${during}, after ${rssMb()}; cut after ${writes} writes`);
    expect(outcome.code).toBe("resource_exhausted");
    expect(outcome.message).toMatch(/^watcher fell \d+ bytes behind \(the limit is 65536\) and was disconnected: reconnect with since_revision=\d+$/);
    const named = Number(/since_revision=(\d+)/.exec(outcome.message)?.[1]);
    expect(named).toBe(outcome.revisions.at(-1));
    expect(outcome.revisions).toEqual(range(1, named));
    // Reconnecting with the named revision, over the same protocol, misses nothing.
    await server.server.engine.submit({ kind: "feature.created", feature: "after", enabled: true, description: "", salt: "s" }, null);
    const resumed = openRawWatch(port, protocol, { sinceRevision: named });
    raw.push(resumed);
    await waitUntil("the resumed watcher current", () => server.server.engine.watcherCount === 1, 5000);
    server.server.engine.endWatches(); // ends the resumed stream, so that it can be read to its end
    const rest = await resumed.readToEnd(10_000);
    expect(rest.code).toBe("unavailable");
    expect([...outcome.revisions, ...rest.revisions]).toEqual(range(1, server.server.engine.revision));
  }, 60_000);
});
