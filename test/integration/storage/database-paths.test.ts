import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { onLoopback, runCli, spawnServe } from "../../support/run-cli.js";

// What an operator types for --db, and what the files it makes may be read by: a path that SQLite would take for a
// throwaway database is refused (acknowledged writes would vanish at restart), a directory or an empty backup is
// named as such, and every file flagwire writes (database, -wal, -shm, backup) is private to its owner.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-dbpath-"));
  dirs.push(dir);
  return dir;
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** A flagwire database with one change, closed. */
function flagwireDatabase(dir: string): string {
  const path = join(dir, "flags.db");
  const store = openSqliteStore({ path });
  void store.write(0, (_missed, w) => w.append({ kind: "customer.created", customerId: "101" }, "seed", 1000));
  void store.close(); // SQLite commits and closes synchronously: the file is complete on return
  return path;
}

describe("database files are private to their owner", () => {
  it("creates the database, its -wal and -shm files 0600", async () => {
    const dir = tempDir();
    const path = join(dir, "flags.db");
    const server = spawnServe(onLoopback(path));
    await server.ready;
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect([file, modeOf(file).toString(8)]).toEqual([file, "600"]);
    server.child.kill("SIGTERM");
    await server.exited;
  });

  it("writes backups (and what restore puts in place) 0600", async () => {
    const dir = tempDir();
    const db = flagwireDatabase(dir);
    const backup = join(dir, "backup.db");
    expect((await runCli(["backup", backup, "--db", db])).code).toBe(0);
    expect(modeOf(backup).toString(8)).toBe("600");
    const restored = join(dir, "restored.db");
    expect((await runCli(["restore", backup, "--db", restored])).code).toBe(0);
    expect(modeOf(restored).toString(8)).toBe("600");
  });
});

describe("a --db that SQLite would take for a temporary or in-memory database is refused", () => {
  const THROWAWAY = ["", ":memory:", "file::memory:", "file:flags.db?mode=memory", "file:flags.db"];
  // Five CLI processes one after the other: more than the default 5 s on a busy machine.
  it.each(THROWAWAY)("serve, token, backup and restore refuse --db %j and create nothing", { timeout: 60_000 }, async (db) => {
    const dir = tempDir();
    const backup = flagwireDatabase(dir);
    const before = readdirSync(dir).sort();
    const runs = [
      ["serve", "--db", db, "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"],
      ["token", "create", "--db", db, "--role", "admin", "--name", "ops"],
      ["token", "list", "--db", db],
      ["backup", join(dir, "copy.db"), "--db", db],
      ["restore", backup, "--db", db],
    ];
    for (const args of runs) {
      const result = await runCli(args, { cwd: dir });
      expect([args.join(" "), result.code], result.stderr).toEqual([args.join(" "), 1]);
      expect(result.stderr).toContain(`error: ${JSON.stringify(db)} is not a database file`);
      expect(result.stderr).toMatch(/give the path of a file, e\.g\. \.\/feature_flags\.db/);
      expect(readdirSync(dir).sort()).toEqual(before);
    }
  });

  it("serve, token, backup and restore refuse --db memory: (the tests' in-memory backend) and create nothing", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const backup = flagwireDatabase(dir);
    const before = readdirSync(dir).sort();
    const runs = [
      ["serve", "--db", "memory:", "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"],
      ["token", "create", "--db", "memory:", "--role", "admin", "--name", "ops"],
      ["token", "list", "--db", "memory:"],
      ["backup", join(dir, "copy.db"), "--db", "memory:"],
      ["restore", backup, "--db", "memory:"],
    ];
    for (const args of runs) {
      const result = await runCli(args, { cwd: dir });
      expect([args.join(" "), result.code], result.stderr).toEqual([args.join(" "), 1]);
      expect(result.stderr).toContain(`error: "memory:" keeps nothing once the process ends (it is for tests)`);
      expect(readdirSync(dir).sort()).toEqual(before);
    }
  });

  it("FLAGWIRE_DB set but empty (an unset shell variable) is refused the same way", async () => {
    const result = await runCli(["token", "list"], { env: { FLAGWIRE_DB: "" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: "" is not a database file`);
  });

  it("the backup file named for restore gets the same check", async () => {
    const dir = tempDir();
    const result = await runCli(["restore", ":memory:", "--db", join(dir, "flags.db")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`":memory:" is not a database file`);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("a --db or backup that is not a database file says what it is", () => {
  it("serve --db <a directory> says it is a directory", async () => {
    const dir = tempDir();
    const exit = await spawnServe(onLoopback(dir)).exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(`database ${JSON.stringify(dir)} is a directory: give the path of a database file in it, e.g. ${join(dir, "feature_flags.db")}`);
    expect(exit.stderr).not.toMatch(/I\/O error|check its disk/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("backup --db <a directory> says it is a directory", async () => {
    const dir = tempDir();
    const result = await runCli(["backup", join(dir, "copy.db"), "--db", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`database ${JSON.stringify(dir)} is a directory`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("restore from a directory says it is a directory, and leaves the database as it was", async () => {
    const dir = tempDir();
    const db = flagwireDatabase(dir);
    const from = join(dir, "backups");
    mkdirSync(from);
    const before = readdirSync(dir).sort();
    const result = await runCli(["restore", from, "--db", db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`database ${JSON.stringify(from)} is a directory`);
    expect(result.stderr).not.toMatch(/I\/O error|check its disk/);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it("restore from an empty file says it is not a backup, and leaves the database as it was", async () => {
    const dir = tempDir();
    const db = flagwireDatabase(dir);
    const empty = join(dir, "empty.db");
    writeFileSync(empty, "");
    const before = readdirSync(dir).sort();
    const result = await runCli(["restore", empty, "--db", db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`database ${JSON.stringify(empty)} is empty: it is not a flagwire database or backup`);
    expect(result.stderr).not.toContain("sqlite_sequence");
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
