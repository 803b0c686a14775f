import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createFlagClient, type FlagClientProtocol } from "../../../src/client/create-flag-client.js";
import { createTokenRegistry } from "../../../src/engine/token-registry.js";
import { startServer, type ServerOptions } from "../../../src/server/start-server.js";
import { MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { openSqliteTokenStore } from "../../../src/store/sqlite/sqlite-token-store.js";
import { runCli } from "../../support/run-cli.js";
import { dumpState } from "../../support/state-dump.js";
import { PROTOCOLS } from "../../support/protocols.js";
import { callOutcome } from "../../support/call-outcome.js";

// Once a database has had a token, authentication stays on: an emptied tokens table (another connection's
// DELETE, a restore) locks everyone out rather than opening the server to anyone.

const dir = mkdtempSync(join(tmpdir(), "flagwire-sticky-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbCount = 0;
const freshDb = () => join(dir, `flags-${++dbCount}.db`);
const BOOTSTRAP = "bootstrap-secret-for-the-sticky-auth-tests-0123456789";

// Some tests start CLI processes: slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 30_000 });

function options(dbPath: string, overrides: Partial<ServerOptions> = {}): ServerOptions {
  return { dbPath, grpcListen: "0.0.0.0:0", httpListen: "0.0.0.0:0", logger: pino({ level: "silent" }), shutdownGraceMs: 500, ...overrides };
}

/** "OK", or the status code's name and the message. */
async function refusal(call: Promise<unknown>): Promise<string> {
  const { code, message } = await callOutcome(call);
  return code === "OK" ? code : `${code} ${message}`;
}

/** Rows as another program sees them: what must not change when a call is refused. */
function rows(dbPath: string): unknown {
  const db = new Database(dbPath, { readonly: true });
  try {
    return { features: db.prepare("SELECT * FROM features").all(), changes: db.prepare("SELECT * FROM changes").all() };
  } finally {
    db.close();
  }
}

describe("a database whose tokens were all deleted", () => {
  it("refuses every protected call on both listeners, says how to create a token, and changes nothing", async () => {
    const dbPath = freshDb();
    const server = await startServer(options(dbPath, { bootstrapToken: BOOTSTRAP }));
    try {
      const url = (protocol: FlagClientProtocol) => `http://127.0.0.1:${protocol === "grpc" ? server.grpcPort : server.httpPort}`;
      const admin = createFlagClient({ baseUrl: url("grpc"), token: BOOTSTRAP });
      await admin.createFeature({ name: "before" });
      const before = await dumpState(admin);

      const other = new Database(dbPath);
      other.exec("DELETE FROM tokens");
      other.close();

      for (const protocol of PROTOCOLS) {
        const anonymous = createFlagClient({ baseUrl: url(protocol), protocol });
        for (const call of [anonymous.createFeature({ name: `open-${protocol}` }), anonymous.listFeatures({})]) {
          const outcome = await refusal(call);
          expect(outcome, protocol).toMatch(/^Unauthenticated .*no token exists on this server/);
          expect(outcome).toContain("flagwire token create --db <path> --role admin --name ops");
        }
        // The deleted token does not work either.
        expect(await refusal(createFlagClient({ baseUrl: url(protocol), protocol, token: BOOTSTRAP }).createFeature({ name: "x" }))).toMatch(/^Unauthenticated /);
      }
      expect(server.tokens.authEnabled).toBe(true);
      expect(rows(dbPath)).toMatchObject({ features: [{ name: "before" }] });

      // The documented way back in: a token created on the file, seen by the running server.
      const created = await runCli(["token", "create", "--db", dbPath, "--role", "admin", "--name", "ops"]);
      expect(created.code, created.stderr).toBe(0);
      const ops = createFlagClient({ baseUrl: url("connect"), protocol: "connect", token: created.stdout.trim() });
      expect(await dumpState(ops)).toEqual(before);
    } finally {
      await server.close();
    }
  });

  it("still counts as auth on at start: a non-loopback listener is allowed, and nobody gets in", async () => {
    const dbPath = freshDb();
    await (await startServer(options(dbPath, { bootstrapToken: BOOTSTRAP }))).close();
    const other = new Database(dbPath);
    other.exec("DELETE FROM tokens");
    other.close();
    const logged: string[] = [];
    const logger = pino({ level: "info" }, new Writable({ write: (chunk: Buffer, _encoding, done) => done(void logged.push(chunk.toString("utf8"))) }));
    const server = await startServer(options(dbPath, { logger }));
    try {
      expect(server.tokens.authEnabled).toBe(true);
      expect(logged.join("")).toContain("authentication is on, but no API token exists (they were deleted): every call is refused");
      const anonymous = createFlagClient({ baseUrl: `http://127.0.0.1:${server.httpPort}`, protocol: "connect" });
      expect(await refusal(anonymous.createFeature({ name: "open" }))).toMatch(/^Unauthenticated .*no token exists/);
      expect(rows(dbPath)).toEqual({ features: [], changes: [] });
    } finally {
      await server.close();
    }
  });
});

describe("the auth mark", () => {
  it("is given by the migration to a database that already holds tokens", async () => {
    const path = freshDb();
    const db = new Database(path);
    for (const migration of MIGRATIONS.slice(0, 3)) db.exec(migration);
    db.pragma("user_version = 3");
    db.prepare("INSERT INTO tokens (hash, name, role, created_at, created_by) VALUES ('h', 'old', 'admin', 1, 'cli')").run();
    db.close();
    const store = openSqliteTokenStore({ path });
    try {
      expect((await store.readTokens()).marked).toBe(true);
      const other = new Database(path);
      other.exec("DELETE FROM tokens");
      other.close();
      const registry = await createTokenRegistry({ store });
      expect(registry.authEnabled).toBe(true);
      expect(registry.authenticate(undefined)).toEqual({ status: "no-token" });
      await registry.close();
    } finally {
      await store.close();
    }
  });

  it("is not given to a database that never had a token", async () => {
    const store = openSqliteTokenStore({ path: freshDb() });
    try {
      expect((await store.readTokens()).marked).toBe(false);
      const registry = await createTokenRegistry({ store });
      expect(registry.authEnabled).toBe(false);
      expect(registry.authenticate(undefined)).toEqual({ status: "off" });
      await registry.create("first", "reader", "test");
      expect((await store.readTokens()).marked).toBe(true);
      await registry.close();
    } finally {
      await store.close();
    }
  });
});

describe("restore says what the restored database's authentication is", () => {
  it.each([
    ["no token ever created", async () => undefined, /^auth: off \(no token ever created\)/m],
    [
      "active tokens",
      async (db: string) => {
        await runCli(["token", "create", "--db", db, "--role", "admin", "--name", "a"]);
        await runCli(["token", "create", "--db", db, "--role", "reader", "--name", "b"]);
      },
      /^auth: on \(2 active tokens\)$/m,
    ],
    [
      "every token deleted",
      async (db: string) => {
        await runCli(["token", "create", "--db", db, "--role", "admin", "--name", "a"]);
        const other = new Database(db);
        other.exec("DELETE FROM tokens");
        other.close();
      },
      /^auth: on, but no token: nobody can call it; create one with `flagwire token create --db .* --role admin --name ops`$/m,
    ],
  ])("%s", async (_case, prepare, expected) => {
    const source = freshDb();
    await (await startServer(options(source, { grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0" }))).close();
    await prepare(source);
    const backup = join(dir, `backup-${dbCount}.db`);
    expect((await runCli(["backup", backup, "--db", source])).code).toBe(0);
    const target = freshDb();
    const restored = await runCli(["restore", backup, "--db", target]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(expected);
  });
});

it("restore warns when it switches authentication off", async () => {
  const old = freshDb();
  await (await startServer(options(old, { grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0" }))).close();
  const backup = join(dir, "before-any-token.db");
  expect((await runCli(["backup", backup, "--db", old])).code).toBe(0);
  await runCli(["token", "create", "--db", old, "--role", "admin", "--name", "a"]);
  const restored = await runCli(["restore", backup, "--db", old]);
  expect(restored.code, restored.stderr).toBe(0);
  expect(restored.stdout).toMatch(/^auth: off \(no token ever created\)/m);
  expect(restored.stderr).toBe("warning: the replaced database had authentication on; the restored one has it off: anyone on loopback may change every flag\n");
});
