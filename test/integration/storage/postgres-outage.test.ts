import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callOutcome } from "../../support/call-outcome.js";
import { startPostgresServer, type PostgresServer } from "../../support/postgres-server.js";
import { POSTGRES } from "../../support/test-database.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { sleep } from "../../support/wait-until.js";

// PostgreSQL going away under a running flagwire: its own PostgreSQL (stopping the run's one would break other
// files), stopped and started again while the flagwire server keeps running.
describe.runIf(POSTGRES.run)("PostgreSQL gone while serving", { timeout: 90_000 }, () => {
  let postgres: PostgresServer | undefined;
  let ts: TestServer | undefined;
  beforeAll(async () => {
    POSTGRES.check();
    postgres = await startPostgresServer();
    ts = await startTestServer({ dbPath: postgres.url() });
  }, 60_000);
  afterAll(async () => {
    await ts?.close();
    postgres?.destroy();
  });

  it("writes get UNAVAILABLE and change nothing, reads answer from memory; writes resume when it is back", async () => {
    const server = ts as TestServer;
    const pgServer = postgres as PostgresServer;
    const client = server.client("grpc");
    await client.createFeature({ name: "dashboard", enabled: true });
    pgServer.stop();

    const refused = await callOutcome(client.createFeature({ name: "reports" }));
    expect(refused).toEqual({ code: "Unavailable", message: expect.stringMatching(new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${pgServer.port} is unavailable: .+; retry once it is back`)) });
    expect(refused.message).not.toMatch(/password/i);
    const { feature, revision } = await client.getFeature({ name: "dashboard" });
    expect([feature?.enabled, revision]).toEqual([true, 1n]);
    expect((await client.evaluate({ feature: "dashboard", customerId: "", userId: "" })).enabled).toBe(true);
    await expect(client.getFeature({ name: "reports" })).rejects.toThrow(/not found/);

    pgServer.start();
    // No restart of flagwire: the pool connects again on the next write.
    let created;
    for (let attempt = 0; !created; attempt++) {
      created = await client.createFeature({ name: "reports" }).catch(async (err: unknown) => {
        if (attempt > 50) throw err;
        await sleep(100);
        return undefined;
      });
    }
    expect(created.revision).toBe(2n);
    expect((await client.listChanges({})).changes.map((c) => [c.revision, c.feature])).toEqual([
      [1n, "dashboard"],
      [2n, "reports"],
    ]);
    const stored = await pgServer.sql<{ name: string }>("SELECT name FROM features ORDER BY name");
    expect(stored.map((row) => row.name)).toEqual(["dashboard", "reports"]);
  });
});
