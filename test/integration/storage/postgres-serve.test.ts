import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFlagClient } from "../../../src/client/create-flag-client.js";
import { openStore } from "../../../src/store/open-store.js";
import { freePort } from "../../support/free-port.js";
import { onLoopback, runCli, startServe } from "../../support/run-cli.js";
import { createTestDatabase, POSTGRES, type TestDatabase } from "../../support/test-database.js";

/** Runs SQL on a database as the test superuser. */
async function sqlOn(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe.runIf(POSTGRES.run)("flagwire serve on PostgreSQL", { timeout: 30_000 }, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    POSTGRES.check();
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it("serves from FLAGWIRE_DB=postgres://…, and a new process on the same database has its writes", async () => {
    const first = await startServe(["--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"], { env: { FLAGWIRE_DB: database.url } });
    const grpc = createFlagClient({ baseUrl: `http://${first.started.grpc as string}` });
    const created = await grpc.createFeature({ name: "dashboard", enabled: true });
    await grpc.createCustomer({ id: "acme" });
    expect(await first.stop()).toBe(0);

    const second = await startServe(onLoopback(database.url));
    try {
      const connect = createFlagClient({ baseUrl: second.started.http as string, protocol: "connect" });
      const { feature, revision } = await connect.getFeature({ name: "dashboard" });
      expect([feature?.enabled, revision]).toEqual([true, created.revision + 1n]);
      expect((await connect.listChanges({})).changes.map((c) => c.revision)).toEqual([1n, 2n]);
    } finally {
      await second.stop();
    }
  });

  it("takes what the URL leaves out from PGHOST, PGPORT, PGUSER and PGDATABASE", async () => {
    const url = new URL(database.url);
    const env = { PGHOST: url.hostname, PGPORT: url.port, PGUSER: "postgres", PGDATABASE: url.pathname.slice(1) };
    const server = await startServe(onLoopback("postgres://"), { env });
    try {
      const grpc = createFlagClient({ baseUrl: `http://${server.started.grpc as string}` });
      expect((await grpc.getFeature({ name: "dashboard" })).feature?.enabled).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it("unreachable at start: exits non-zero naming host, port and cause, never the password", async () => {
    const port = await freePort();
    const exit = await runCli(["serve", ...onLoopback(`postgres://flagwire:s3cret-pw@127.0.0.1:${port}/flags`)]);
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toMatch(new RegExp(`cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}: connection refused \\(ECONNREFUSED\\)`));
    expect(exit.stderr + exit.stdout).not.toMatch(/s3cret-pw/);
  });

  it("the listen policy's refusal and the server's logs never show the URL's password", async () => {
    const url = new URL(database.url);
    url.password = "s3cret-pw"; // the test server trusts loopback: any password is accepted
    const exit = await runCli(["serve", "--db", url.toString(), "--grpc-listen", "0.0.0.0:0", "--http-listen", "127.0.0.1:0"]);
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toMatch(/refusing to listen on .* without authentication: no API token exists in "postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
    expect(exit.stderr + exit.stdout).not.toMatch(/s3cret-pw/);
    const server = await startServe(onLoopback(url.toString()));
    try {
      expect(JSON.stringify(server.logged) + server.stderr.join("\n")).not.toMatch(/s3cret-pw/);
      expect(server.stderr.join("\n")).toMatch(/database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
    } finally {
      await server.stop();
    }
  });

  it("flagwire token works on a PostgreSQL URL; backup of one points to pg_dump without echoing the password", async () => {
    const created = await runCli(["token", "create", "--db", database.url, "--role", "admin", "--name", "ops"]);
    expect(created.code, created.stderr).toBe(0);
    const listed = await runCli(["token", "list", "--db", database.url]);
    expect(listed.stdout).toMatch(/ops/);
    const url = new URL(database.url);
    url.password = "s3cret-pw";
    const backup = await runCli(["backup", "--db", url.toString(), "/tmp/never-written.db"]);
    expect(backup.code).not.toBe(0);
    expect(backup.stderr).toMatch(/is a PostgreSQL database: flagwire backup copies SQLite files only; .*pg_dump --format=custom/);
    expect(backup.stderr + backup.stdout).not.toMatch(/s3cret-pw/);
  });

  it("a database that does not exist is named with the server's words", async () => {
    const url = new URL(database.url);
    url.pathname = "/no_such_flagwire_db";
    url.password = "s3cret-pw";
    const exit = await runCli(["serve", ...onLoopback(url.toString())]);
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:\d+: database "no_such_flagwire_db" does not exist \(SQLSTATE 3D000\)/);
    expect(exit.stderr + exit.stdout).not.toMatch(/s3cret-pw/);
  });

  it("refuses a database that holds other tables but no flagwire schema, and changes nothing in it", async () => {
    const other = await createTestDatabase();
    try {
      await sqlOn(other.url, "CREATE TABLE invoices (id int)");
      await expect(openStore(other.url)).rejects.toThrow(/is not a flagwire database \(it has 1 tables but no schema_version\)/);
      expect(await sqlOn(other.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).toEqual([{ tablename: "invoices" }]);
    } finally {
      await other.drop();
    }
  });
});
