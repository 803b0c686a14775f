import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { PROTOCOLS } from "../../support/protocols.js";

// Every call on the HTTP listener follows the server's one shutdown signal. A listener per call on that signal
// makes Node warn of a leak past 10 concurrent calls (and costs time in proportion to the calls open): many
// concurrent streams must raise no warning, on either listener.

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
let ts: TestServer | undefined;
beforeAll(() => void process.on("warning", onWarning));
afterAll(() => void process.off("warning", onWarning));
afterEach(async () => {
  await ts?.close();
  ts = undefined;
});

describe("many concurrent calls on one server", () => {
  it.each(PROTOCOLS)("raise no MaxListenersExceededWarning (%s)", async (protocol) => {
    // A server of its own: Node warns once per signal, and each server has its own shutdown signal.
    ts = await startTestServer();
    await ts.client().createFeature({ name: "dashboard" });
    warnings.length = 0;
    const client = ts.client(protocol);
    // One controller per stream: a signal shared by the 40 would be the test's own 40 listeners.
    const aborts = Array.from({ length: 40 }, () => new AbortController());
    // 40 open watch streams, each proven established by its first message, plus unary calls while they are open.
    const streams = aborts.map(async (abort) => {
      const messages = client.watchChanges({ sinceRevision: 0n }, { signal: abort.signal })[Symbol.asyncIterator]();
      await messages.next();
      return messages;
    });
    const open = await Promise.all(streams);
    await Promise.all(Array.from({ length: 40 }, () => client.getFeature({ name: "dashboard" })));
    for (const abort of aborts) abort.abort();
    await Promise.allSettled(open.map((messages) => messages.return?.()));
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message)).toEqual([]);
  });
});
