import { describe, expect, it } from "vitest";
import { runCli } from "../../support/run-cli.js";

// `flagwire backup` and `restore` copy SQLite files; a PostgreSQL database is pg_dump's and pg_restore's job.
// They refuse at once (no connection is tried: this needs no PostgreSQL), say which tool to use, never echo
// the password, and exit like every other refusal.

const URL = "postgres://flagwire:s3cret@db.internal:5432/flags?sslmode=require";

describe("backup and restore on a PostgreSQL URL", { timeout: 30_000 }, () => {
  it.each([
    [["backup", "/tmp/flagwire-never-written.db", "--db", URL], /PostgreSQL database: flagwire backup copies SQLite files only; back it up with pg_dump/],
    [["backup", URL, "--db", "/tmp/flagwire-never-read.db"], /flagwire backup copies SQLite files only; write PostgreSQL backups with pg_dump/],
    [["restore", "/tmp/flagwire-never-read.db", "--db", URL], /flagwire restore copies SQLite files only; stop its flagwire replicas, then restore it with pg_restore/],
    [["restore", URL, "--db", "/tmp/flagwire-never-written.db"], /restored with pg_restore from a pg_dump file/],
  ])("flagwire %j refuses, naming the PostgreSQL tool", async (args, message) => {
    const exit = await runCli(args);
    expect(exit.code, exit.stderr).toBe(1);
    expect(exit.stderr).toMatch(message);
    expect(exit.stderr).toContain("postgres://flagwire:***@db.internal:5432/flags");
    expect(exit.stderr).not.toContain("s3cret");
    expect(exit.stdout).toBe("");
  });

  it("is the same with the URL in FLAGWIRE_DB", async () => {
    const exit = await runCli(["backup", "/tmp/flagwire-never-written.db"], { env: { FLAGWIRE_DB: URL } });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/pg_dump --format=custom/);
  });
});
