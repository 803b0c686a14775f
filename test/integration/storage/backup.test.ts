import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { runCli } from "../../support/run-cli.js";
import { dumpState } from "../../support/state-dump.js";
import { picture, replay, wholeLog } from "../../support/state-picture.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { describeChange, writeCycle } from "../../support/write-cycle.js";

// `flagwire backup FILE` copies a database while a server keeps writing to it; the copy is consistent (its state is
// its own change log replayed, and that log is a prefix of the live one), and `flagwire restore FILE` puts it in
// place, refusing while a server has the database open.

const dir = mkdtempSync(join(tmpdir(), "flagwire-backup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let ts: TestServer | undefined;
afterEach(async () => {
  await ts?.close();
  ts = undefined;
});

/** Writers that keep writing until `stop()`; resolves with how many writes were acknowledged. */
function keepWriting(server: TestServer, writers: number) {
  let stopped = false;
  const done = Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const client = server.client(w % 2 ? "grpc" : "connect");
      let i = 0;
      while (!stopped) await writeCycle(`w${w}`, i++).call(client);
      return i;
    }),
  );
  return { stop: async () => ((stopped = true), (await done).reduce((a, b) => a + b, 0)) };
}

async function readDatabase(path: string) {
  const store = openSqliteStore({ path });
  try {
    return { log: await wholeLog(store), state: picture(await store.loadState()) };
  } finally {
    await store.close();
  }
}

describe("flagwire backup and restore", () => {
  it("backs up a consistent database while writes run, which a server then serves", { timeout: 60_000 }, async () => {
    ts = await startTestServer();
    const load = keepWriting(ts, 4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const file = join(dir, "during-writes.db");
    const backup = await runCli(["backup", file, "--db", ts.dbPath]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const written = await load.stop();
    expect(backup.code, backup.stderr).toBe(0);
    const revision = Number(/at revision (\d+) to/.exec(backup.stdout)?.[1]);
    expect(backup.stdout).toContain(`backed up ${JSON.stringify(ts.dbPath)} at revision ${revision} to ${JSON.stringify(file)}`);

    const copy = await readDatabase(file);
    const live = await readDatabase(ts.dbPath);
    // Taken mid-stream: something before it, something after it.
    expect(revision).toBeGreaterThan(0);
    expect(live.log.length).toBeGreaterThan(revision);
    expect(live.log.length).toBe(written);
    // One moment of the database: its state is its log replayed, and its log is the live log up to that revision.
    expect(copy.log.at(-1)?.revision).toBe(revision);
    expect(copy.state).toEqual(picture(replay(copy.log)));
    expect(copy.log.map(describeChange)).toEqual(live.log.slice(0, revision).map(describeChange));
    expect(copy.log).toEqual(live.log.slice(0, revision));

    // A server started on the backup serves that state.
    await ts.close();
    ts = await startTestServer({ dbPath: file });
    expect(picture(ts.server.engine.state)).toEqual(copy.state);
    const served = await dumpState(ts.client("grpc"), 1000);
    expect(served.revisions.changes).toBe(String(revision));
    expect(served.changes).toHaveLength(revision);
  });

  it("restore refuses while a server has the database open, then replaces it and keeps the old one", async () => {
    ts = await startTestServer();
    const client = ts.client("grpc");
    await client.createFeature({ name: "checkout", enabled: true });
    const file = join(dir, "before-switch-off.db");
    expect((await runCli(["backup", file, "--db", ts.dbPath])).code).toBe(0);
    await client.setFeatureEnabled({ name: "checkout", enabled: false });
    await client.createFeature({ name: "after-backup" });

    const inUse = await runCli(["restore", file, "--db", ts.dbPath]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toContain(`database ${JSON.stringify(ts.dbPath)} is in use (a flagwire server or another program has it open): stop it, then restore`);
    expect((await client.getFeature({ name: "after-backup" })).feature?.name).toBe("after-backup");

    await ts.server.close();
    const restored = await runCli(["restore", file, "--db", ts.dbPath]);
    expect(restored.code, restored.stderr).toBe(0);
    const previous = /kept as "([^"]+)"/.exec(restored.stdout)?.[1] ?? "";
    expect(restored.stdout).toContain(`restored ${JSON.stringify(ts.dbPath)} from ${JSON.stringify(file)} at revision 1`);
    expect(existsSync(previous)).toBe(true);
    expect((await readDatabase(previous)).log).toHaveLength(3); // the replaced database, whole

    await ts.restart();
    const after = ts.client("grpc");
    expect((await after.evaluate({ feature: "checkout" })).enabled).toBe(true);
    await expect(after.getFeature({ name: "after-backup" })).rejects.toThrow(/not found/);
  });

  it.each([
    { name: "the database itself as the backup file", args: (db: string) => ["backup", db, "--db", db], message: /is the database itself: choose another file/ },
    {
      name: "a backup file that exists",
      args: (db: string) => ["backup", join(dir, "exists.db"), "--db", db],
      message: /"[^"]*exists\.db" already exists: choose a new file name, or remove it first/,
    },
    {
      name: "a corrupt database",
      args: () => ["backup", join(dir, "from-corrupt.db"), "--db", join(dir, "corrupt.db")],
      message: /"[^"]*corrupt\.db" is corrupt or not a SQLite database/,
    },
    {
      name: "restoring a file that is not a backup",
      args: (db: string) => ["restore", join(dir, "corrupt.db"), "--db", db],
      message: /"[^"]*corrupt\.db" is corrupt or not a SQLite database/,
    },
  ])("refuses $name and writes nothing", async ({ args, message }) => {
    ts = await startTestServer();
    writeFileSync(join(dir, "exists.db"), "keep me");
    writeFileSync(join(dir, "corrupt.db"), "not a database ".repeat(100));
    const files = readdirSync(dir).sort();
    const before = await dumpState(ts.client("grpc"));
    const result = await runCli(args(ts.dbPath));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(dir).sort()).toEqual(files);
    expect(await dumpState(ts.client("grpc"))).toEqual(before);
  });
});
