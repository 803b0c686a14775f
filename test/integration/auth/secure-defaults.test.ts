import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, describe, expect, it, vi } from "vitest";
import { TokenRole } from "../../../gen/flagwire/v1/tokens_pb.js";
import { createFlagClient, createTokenClient } from "../../../src/client/create-flag-client.js";
import { startServer, type ServerOptions } from "../../../src/server/start-server.js";
import { outcome } from "../../support/call-outcome.js";
import { runCliOk, startServe } from "../../support/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "flagwire-secure-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbCount = 0;
const freshDb = () => join(dir, `flags-${++dbCount}.db`);

const BOOTSTRAP = "bootstrap-secret-for-the-secure-default-tests-0123456789";

function options(dbPath: string, overrides: Partial<ServerOptions> = {}): ServerOptions {
  return { dbPath, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", logger: pino({ level: "silent" }), shutdownGraceMs: 500, ...overrides };
}

/** A logger whose lines are collected. */
function capture(): { logger: ServerOptions["logger"]; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: "info" }, sink), lines };
}


// Some tests start CLI processes: slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 30_000 });

describe("without any token", () => {
  it("serves loopback without authentication and says so", async () => {
    const { logger, lines } = capture();
    const server = await startServer(options(freshDb(), { logger }));
    try {
      const flags = createFlagClient({ baseUrl: `http://127.0.0.1:${server.grpcPort}` });
      expect(await outcome(flags.createFeature({ name: "open" }))).toBe("OK");
      expect(lines.find((l) => l.level === 40 && /authentication is off.*loopback only/.test(l.msg))).toBeDefined();
    } finally {
      await server.close();
    }
  });

  it.each(["0.0.0.0:0", "[::]:0"])("refuses to listen on %s, naming the ways out, and creates no database", async (address) => {
    const dbPath = freshDb();
    const refused = startServer(options(dbPath, { grpcListen: address }));
    await expect(refused).rejects.toThrow(/refusing to listen on .* without authentication: no API token exists/);
    await expect(refused).rejects.toThrow(/flagwire token create --db .* --role admin --name ops.*FLAGWIRE_BOOTSTRAP_TOKEN.*--insecure/);
    expect(existsSync(dbPath)).toBe(false);
  });

  it("refuses an existing database without tokens too", async () => {
    const dbPath = freshDb();
    await (await startServer(options(dbPath))).close();
    await expect(startServer(options(dbPath, { httpListen: "0.0.0.0:0" }))).rejects.toThrow(/refusing to listen on 0\.0\.0\.0:0/);
  });

  it("listens anywhere with insecure, and warns", async () => {
    const { logger, lines } = capture();
    const server = await startServer(options(freshDb(), { grpcListen: "0.0.0.0:0", insecure: true, logger }));
    await server.close();
    expect(lines.find((l) => l.level === 40 && /OFF and --insecure/.test(l.msg))).toBeDefined();
  });

  it("serve as a process exits 1 with the reason", async () => {
    const started = startServe(["--db", freshDb(), "--grpc-listen", "0.0.0.0:0", "--http-listen", "127.0.0.1:0"]);
    await expect(started).rejects.toThrow(/exited with 1: error: refusing to listen on 0\.0\.0\.0:0 without authentication/);
  });
});

describe("bootstrap", () => {
  it("FLAGWIRE_BOOTSTRAP_TOKEN creates one admin token, once, and turns authentication on", async () => {
    const dbPath = freshDb();
    for (let start = 0; start < 2; start++) {
      const server = await startServer(options(dbPath, { grpcListen: "0.0.0.0:0", bootstrapToken: BOOTSTRAP }));
      try {
        const url = `http://127.0.0.1:${server.grpcPort}`;
        expect(await outcome(createFlagClient({ baseUrl: url }).listFeatures({}))).toBe("Unauthenticated");
        const { tokens } = await createTokenClient({ baseUrl: url, token: BOOTSTRAP }).listTokens({});
        expect(tokens.map((t) => [t.name, t.role, t.createdBy])).toEqual([["bootstrap", TokenRole.ADMIN, "bootstrap"]]);
      } finally {
        await server.close();
      }
    }
  });

  it("refuses a weak bootstrap token without echoing it", async () => {
    const refused = startServer(options(freshDb(), { bootstrapToken: "hunter2" }));
    await expect(refused).rejects.toThrow(/FLAGWIRE_BOOTSTRAP_TOKEN is not a usable token: use at least 32 characters/);
    await expect(refused).rejects.not.toThrow(/hunter2/);
  });

  it("refuses a different bootstrap token while the first is active", async () => {
    const dbPath = freshDb();
    await (await startServer(options(dbPath, { bootstrapToken: BOOTSTRAP }))).close();
    await expect(startServer(options(dbPath, { bootstrapToken: `${BOOTSTRAP}-rotated` }))).rejects.toThrow(
      /FLAGWIRE_BOOTSTRAP_TOKEN differs from the active token named "bootstrap": revoke that token/,
    );
  });

  it("flagwire token create works on the database file: then the server needs that token", async () => {
    const dbPath = freshDb();
    const { stdout, stderr } = await runCliOk(["token", "create", "--db", dbPath, "--role", "admin", "--name", "ops"]);
    const secret = stdout.trim();
    expect(secret).toMatch(/^fw_[A-Za-z0-9_-]{43}$/);
    expect(stderr).toMatch(/created admin token "ops".*shown only this once/);
    await expect(runCliOk(["token", "create", "--db", dbPath, "--role", "root", "--name", "x"])).rejects.toThrow(/Allowed choices are reader, editor, admin/);
    const server = await startServer(options(dbPath, { grpcListen: "0.0.0.0:0" }));
    try {
      const url = `http://127.0.0.1:${server.grpcPort}`;
      expect(await outcome(createFlagClient({ baseUrl: url }).listFeatures({}))).toBe("Unauthenticated");
      expect(await outcome(createFlagClient({ baseUrl: url, token: secret }).createFeature({ name: "ops-made" }))).toBe("OK");
      // Revoking every token does not switch authentication off.
      await createTokenClient({ baseUrl: url, token: secret }).revokeToken({ name: "ops" });
      expect(await outcome(createFlagClient({ baseUrl: url }).listFeatures({}))).toBe("Unauthenticated");
    } finally {
      await server.close();
    }
  });

  it("a token created while a loopback server runs without auth switches auth on within its 50 ms poll", async () => {
    const dbPath = freshDb();
    const server = await startServer(options(dbPath));
    try {
      const anonymous = createFlagClient({ baseUrl: `http://127.0.0.1:${server.grpcPort}` });
      expect(await outcome(anonymous.listFeatures({}))).toBe("OK");
      await runCliOk(["token", "create", "--db", dbPath, "--role", "reader", "--name", "first"]);
      // Without tokens no call reads the file (that would cost every evaluation); the 50 ms poll notices the first one.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await outcome(anonymous.listFeatures({}))).toBe("Unauthenticated");
    } finally {
      await server.close();
    }
  });
});
