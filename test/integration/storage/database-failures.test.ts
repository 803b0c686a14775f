import { createHash } from "node:crypto";
import { chmodSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { spawnSync } from "node:child_process";
import { CLI, onLoopback, spawnServe } from "../../support/run-cli.js";
import { dumpState } from "../../support/state-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { requirement } from "../../support/requirement.js";
import { mountTmpfs, TMPFS, type Tmpfs } from "../../support/tmpfs.js";

// A database that cannot be used is refused with a message naming the file and what to do: at start (the process
// exits non-zero) or per call (UNAVAILABLE, nothing applied). A refused file is never written to.

const dirs: string[] = [];
const mounts: Tmpfs[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  for (const mount of mounts.splice(0)) mount.unmount();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-dbfail-"));
  dirs.push(dir);
  return dir;
}

/** A real flagwire database with some history, closed (its WAL checkpointed into the file). */
function flagwireDatabase(dir: string, customers = 3): string {
  const path = join(dir, "flags.db");
  const store = openSqliteStore({ path });
  for (let i = 0; i < customers; i++) {
    void store.write(0, (_missed, w) => w.append({ kind: "customer.created", customerId: `customer-${i}-${"x".repeat(100)}` }, "seed", 1000 + i));
  }
  void store.close(); // SQLite commits and closes synchronously: the file is complete on return
  return path;
}

/**
 * Every file in `dir` and a hash of its bytes. A reader of a WAL-mode database (flagwire's read-only inspection, or
 * the sqlite3 shell) creates an empty -wal and a -shm index beside it; those are left out, but a -wal must stay
 * empty: a refused database gets no write at all.
 */
function fingerprint(dir: string): Record<string, string> {
  const files = readdirSync(dir).filter((name) => !name.endsWith("-shm") && !(name.endsWith("-wal") && statSync(join(dir, name)).size === 0));
  return Object.fromEntries(files.map((name) => [name, createHash("sha256").update(readFileSync(join(dir, name))).digest("hex")]));
}

/** Starts `flagwire serve` on `dbPath` and expects it to refuse: exit 1 and a message on stderr. */
async function expectRefusedAtStart(dbPath: string, message: RegExp, options: { uid?: number; gid?: number } = {}): Promise<void> {
  const server = spawnServe(onLoopback(dbPath), options);
  const exit = await server.exited;
  expect(exit.code, exit.stderr).toBe(1);
  expect(exit.stderr).toContain(JSON.stringify(dbPath));
  expect(exit.stderr).toMatch(message);
}

/** Root may write any file: a read-only file is tested as `nobody`, when that user can run the built CLI from here. */
const NOBODY = { uid: 65534, gid: 65534 };
const canRunAsNobody = process.getuid?.() === 0 && spawnSync(process.execPath, [CLI, "--help"], NOBODY).status === 0;
const AS_NOBODY = requirement("NOBODY", canRunAsNobody, "this process cannot run the built CLI as nobody (it needs root, and a checkout nobody may read)");

const CORRUPT = /is corrupt or not a SQLite database: restore it from a backup \(flagwire backup\)/;
const READ_ONLY = /is read-only: flagwire must write the file .*give the user it runs as write access/;
const LOCKED = /is locked by another process: stop the program that holds an exclusive lock on it, then retry/;
const FULL = /no space left for database .*: free space on its disk, then retry/;

describe("a database that cannot be used is refused at start and left as it was", () => {
  it("a file that is not a database", async () => {
    const dir = tempDir();
    const path = join(dir, "flags.db");
    writeFileSync(path, "this is a text file, not a database\n".repeat(200));
    const before = fingerprint(dir);
    await expectRefusedAtStart(path, CORRUPT);
    expect(fingerprint(dir)).toEqual(before);
  });

  it("a flagwire database with a damaged page", async () => {
    const dir = tempDir();
    const path = flagwireDatabase(dir, 200);
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 3); // page 4: garbage where a b-tree page was
    closeSync(fd);
    const before = fingerprint(dir);
    await expectRefusedAtStart(path, CORRUPT);
    expect(fingerprint(dir)).toEqual(before);
  });

  it("a database from a newer flagwire (higher schema version)", async () => {
    const dir = tempDir();
    const path = flagwireDatabase(dir);
    const db = new Database(path);
    db.pragma("user_version = 99");
    db.close();
    const before = fingerprint(dir);
    await expectRefusedAtStart(path, new RegExp(`has schema version 99, newer than this flagwire understands \\(${MIGRATIONS.length}\\): run the flagwire version that wrote it`));
    expect(fingerprint(dir)).toEqual(before);
  });

  it("another application's SQLite database", async () => {
    const dir = tempDir();
    const path = join(dir, "other.db");
    const db = new Database(path);
    db.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
    db.close();
    const before = fingerprint(dir);
    await expectRefusedAtStart(path, /is not a flagwire database \(it has 1 tables but no flagwire schema version\)/);
    expect(fingerprint(dir)).toEqual(before);
  });

  it("a database another process holds an exclusive lock on", { timeout: 20_000 }, async () => {
    const dir = tempDir();
    const path = flagwireDatabase(dir);
    const holder = new Database(path);
    try {
      holder.pragma("locking_mode = EXCLUSIVE");
      holder.exec("BEGIN EXCLUSIVE");
      await expectRefusedAtStart(path, LOCKED);
    } finally {
      holder.close();
    }
  });

  it.runIf(AS_NOBODY.run)("a read-only file, for the user flagwire runs as", async () => {
    AS_NOBODY.check();
    const dir = tempDir();
    const path = flagwireDatabase(dir);
    chmodSync(dir, 0o777);
    chmodSync(path, 0o444);
    const before = fingerprint(dir);
    await expectRefusedAtStart(path, READ_ONLY, NOBODY);
    expect(fingerprint(dir)).toEqual(before);
  });

  it.runIf(TMPFS.run)("a database on a read-only file system", async () => {
    TMPFS.check();
    const disk = mountTmpfs(1024 * 1024);
    mounts.push(disk);
    const path = flagwireDatabase(disk.dir);
    disk.setReadOnly(true);
    const before = fingerprint(disk.dir);
    await expectRefusedAtStart(path, READ_ONLY);
    expect(fingerprint(disk.dir)).toEqual(before);
  });

  it.runIf(TMPFS.run)("a new database on a full disk", async () => {
    TMPFS.check();
    const disk = mountTmpfs(256 * 1024);
    mounts.push(disk);
    fillDisk(disk.dir);
    await expectRefusedAtStart(join(disk.dir, "flags.db"), FULL);
  });
});

/** Writes a file until the disk is full; returns its path, to delete it and free the space. */
function fillDisk(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  try {
    for (;;) writeSync(fd, Buffer.alloc(4096, 1));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Writes customers until one is refused; returns the acknowledged ids and the refusal. */
async function writeUntilRefused(ts: TestServer, prefix: string, limit: number): Promise<{ acknowledged: string[]; refusal?: ConnectError }> {
  const client = ts.client("grpc");
  const acknowledged: string[] = [];
  for (let i = 0; i < limit; i++) {
    const id = `${prefix}-${i}-${"y".repeat(100)}`;
    try {
      await client.createCustomer({ id });
      acknowledged.push(id);
    } catch (err) {
      return { acknowledged, refusal: ConnectError.from(err) };
    }
  }
  return { acknowledged };
}

async function customerIds(ts: TestServer): Promise<string[]> {
  return (await dumpState(ts.client("connect"), 1000)).customers.map((c) => (c as { id: string }).id);
}

describe("storage that fails while serving: UNAVAILABLE per call, nothing applied, serving again once fixed", () => {
  let ts: TestServer | undefined;
  afterEach(async () => {
    await ts?.close();
    ts = undefined;
  });

  it.runIf(TMPFS.run)("the disk fills up", { timeout: 30_000 }, async () => {
    TMPFS.check();
    const disk = mountTmpfs(2 * 1024 * 1024);
    mounts.push(disk);
    ts = await startTestServer({ dbPath: join(disk.dir, "flags.db") });
    const first = await writeUntilRefused(ts, "before", 3);
    expect(first.refusal).toBeUndefined();
    const filler = fillDisk(disk.dir);

    const before = await dumpState(ts.client("connect"), 1000);
    const full = await writeUntilRefused(ts, "full", 2000);
    expect(full.refusal?.code, full.refusal?.message).toBe(Code.Unavailable);
    expect(full.refusal?.rawMessage).toMatch(FULL);
    expect(full.refusal?.rawMessage).toContain(join(disk.dir, "flags.db"));
    // What was acknowledged is served, the refused write is nowhere, and reads keep answering.
    expect(await customerIds(ts)).toEqual([...before.customers.map((c) => (c as { id: string }).id), ...full.acknowledged].sort());

    rmSync(filler);
    const after = await writeUntilRefused(ts, "after", 3);
    expect(after.refusal).toBeUndefined();
    const expected = await customerIds(ts);
    await ts.restart();
    expect(await customerIds(ts)).toEqual(expected);
    expect(expected).toEqual(expect.arrayContaining([...first.acknowledged, ...full.acknowledged, ...after.acknowledged]));
  });

  it("another process holds the write lock", { timeout: 20_000 }, async () => {
    ts = await startTestServer();
    await ts.client("grpc").createFeature({ name: "before" });
    const holder = new Database(ts.dbPath);
    try {
      holder.exec("BEGIN EXCLUSIVE");
      const before = await dumpState(ts.client("connect"));
      const refused = await writeUntilRefused(ts, "locked", 1);
      expect(refused.refusal?.code).toBe(Code.Unavailable);
      expect(refused.refusal?.rawMessage).toMatch(LOCKED);
      expect(await dumpState(ts.client("connect"))).toEqual(before);
      holder.exec("ROLLBACK");
      expect((await writeUntilRefused(ts, "unlocked", 1)).refusal).toBeUndefined();
    } finally {
      holder.close();
    }
  });
});
