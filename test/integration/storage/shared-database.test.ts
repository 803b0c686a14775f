import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { startServer, type RunningServer } from "../../../src/server/start-server.js";
import { createFlagClient, type FlagClient } from "../../../src/client/create-flag-client.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

/** Polls until `check` passes or `ms` elapse; for effects that arrive on another server's poll tick. */
async function eventually(check: () => Promise<void>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Two servers (two processes' worth of connections) on one database file. */
describe("two servers on one database file", () => {
  let first: TestServer;
  let second: RunningServer;
  let a: FlagClient;
  let b: FlagClient;

  beforeAll(async () => {
    first = await startTestServer();
    second = await startServer({
      dbPath: first.dbPath,
      grpcListen: "127.0.0.1:0",
      httpListen: "127.0.0.1:0",
      logger: pino({ level: "silent" }),
      shutdownGraceMs: 1000,
    });
    a = first.client("grpc");
    b = createFlagClient({ baseUrl: `http://127.0.0.1:${second.grpcPort}` });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it("a write on one reaches the other's snapshot, and its watchers, in order", async () => {
    const abort = new AbortController();
    const seen: bigint[] = [];
    const watching = (async () => {
      try {
        for await (const { change, heartbeat } of a.watchChanges({}, { signal: abort.signal })) {
          if (heartbeat) continue;
          seen.push(change?.revision ?? -1n);
          if (seen.length === 2) abort.abort();
        }
      } catch (err) {
        if (ConnectError.from(err).code !== Code.Canceled) throw err;
      }
    })();
    // Let the watch stream open before writing.
    await eventually(async () => expect(first.server.engine.watcherCount).toBe(1));
    const created = await b.createFeature({ name: "from-second", enabled: true });
    const renamed = await b.renameFeature({ name: "from-second", newName: "renamed-on-second" });
    await eventually(async () => {
      expect((await a.getFeature({ name: "renamed-on-second" })).feature?.enabled).toBe(true);
    });
    await watching;
    expect(seen).toEqual([created.revision, renamed.revision]);
  });

  it("writes check the latest stored state, whichever server made it", async () => {
    await b.createCustomer({ id: "101" });
    // No waiting: the write transaction reads what the other server committed.
    const err = await a.createCustomer({ id: "101" }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.AlreadyExists);
    const override = await a.setOverride({
      feature: "renamed-on-second",
      target: { kind: { case: "customerId", value: "101" } },
      enabled: false,
    });
    const latest = (await b.listChanges({})).revision;
    expect(override.revision).toBeGreaterThan(0n);
    await eventually(async () => expect((await b.listChanges({})).revision).toBe(override.revision));
    expect(latest).toBeLessThanOrEqual(override.revision);
  });

  it("both servers agree on every revision and every answer", async () => {
    await eventually(async () => {
      const [fromA, fromB] = await Promise.all([a.listChanges({ pageSize: 1000 }), b.listChanges({ pageSize: 1000 })]);
      expect(fromA.changes.map((c) => c.revision)).toEqual(fromB.changes.map((c) => c.revision));
      const evalA = await a.evaluate({ feature: "renamed-on-second", customerId: "101" });
      const evalB = await b.evaluate({ feature: "renamed-on-second", customerId: "101" });
      expect({ ...evalA, $typeName: undefined }).toEqual({ ...evalB, $typeName: undefined });
      expect(evalA.enabled).toBe(false);
    });
  });
});
