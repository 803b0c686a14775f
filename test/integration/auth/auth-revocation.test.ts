import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { Code, ConnectError } from "@connectrpc/connect";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenRole } from "../../../gen/flagwire/v1/tokens_pb.js";
import { createFlagClient, type FlagClient } from "../../../src/client/create-flag-client.js";
import { startServer, type RunningServer } from "../../../src/server/start-server.js";
import { runCliOk, startServe } from "../../support/run-cli.js";
import { outcome } from "../../support/call-outcome.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

const BOOTSTRAP = "bootstrap-secret-for-the-revocation-tests-0123456789";


/** Opens a watch stream and resolves, once it is open, with how it ends: its error, or "ended" if it ends cleanly. */
async function openWatch(client: FlagClient, signal: AbortSignal): Promise<{ ended: Promise<ConnectError | "ended"> }> {
  const iterator = client.watchChanges({ sinceRevision: 0n }, { signal })[Symbol.asyncIterator]();
  // since_revision 0 replays the log, so the first message proves the stream was admitted.
  await iterator.next();
  const ended = (async () => {
    try {
      while (!(await iterator.next()).done);
      return "ended" as const;
    } catch (err) {
      return ConnectError.from(err);
    }
  })();
  return { ended };
}

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString("utf8"));
    done();
  },
});

describe("revocation", () => {
  let ts: TestServer;
  let second: RunningServer;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    ts = await startTestServer({ bootstrapToken: BOOTSTRAP, logger: pino({ level: "debug" }, sink) });
    second = await startServer({
      dbPath: ts.dbPath,
      grpcListen: "127.0.0.1:0",
      httpListen: "127.0.0.1:0",
      logger: pino({ level: "silent" }),
      shutdownGraceMs: 1000,
    });
    const admin = ts.tokenClient("grpc", BOOTSTRAP);
    for (const name of ["doomed", "survivor", "remote", "unused"]) {
      secrets[name] = (await admin.createToken({ name, role: TokenRole.EDITOR })).secret;
    }
    await ts.client("grpc", undefined, BOOTSTRAP).createFeature({ name: "dashboard" });
  });

  afterAll(async () => {
    await second?.close();
    await ts?.close();
  });

  it("refuses the token's next call and ends its open streams on both listeners; other tokens carry on", async () => {
    const cancel = new AbortController();
    const doomed = { grpc: ts.client("grpc", undefined, secrets.doomed), connect: ts.client("connect", undefined, secrets.doomed) };
    const survivor = ts.client("grpc", undefined, secrets.survivor);
    const streams = await Promise.all([
      openWatch(doomed.grpc, cancel.signal),
      openWatch(doomed.connect, cancel.signal),
      openWatch(survivor, cancel.signal),
    ]);
    expect(await outcome(doomed.grpc.evaluate({ feature: "dashboard" }))).toBe("OK");

    await ts.tokenClient("connect", BOOTSTRAP).revokeToken({ name: "doomed" });

    for (const client of [doomed.grpc, doomed.connect]) {
      const err = await client.evaluate({ feature: "dashboard" }).catch((e: unknown) => ConnectError.from(e));
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.Unauthenticated);
      expect((err as ConnectError).rawMessage).toMatch(/API token "doomed" was revoked: use another token/);
    }
    for (const stream of streams.slice(0, 2)) {
      const end = await stream.ended;
      expect(end).toBeInstanceOf(ConnectError);
      expect((end as ConnectError).code).toBe(Code.Unauthenticated);
      expect((end as ConnectError).rawMessage).toMatch(/"doomed" was revoked/);
    }
    // The survivor's stream is still live: it gets the next change.
    const write = await survivor.setFeatureEnabled({ name: "dashboard", enabled: true });
    expect(write.revision).toBeGreaterThan(0n);
    cancel.abort();
    expect(ConnectError.from(await streams[2]?.ended).code).toBe(Code.Canceled);
  });

  it("a revocation by one server refuses the next call on another server sharing the database, and ends its streams", async () => {
    const remote = createFlagClient({ baseUrl: `http://127.0.0.1:${second.grpcPort}`, token: secrets.remote });
    const cancel = new AbortController();
    const stream = await openWatch(remote, cancel.signal);
    await ts.tokenClient("grpc", BOOTSTRAP).revokeToken({ name: "remote" });
    // No waiting: the other server checks for token changes on every call.
    expect(await outcome(remote.evaluate({ feature: "dashboard" }))).toBe("Unauthenticated");
    const end = await stream.ended;
    expect(ConnectError.from(end).code).toBe(Code.Unauthenticated);
    cancel.abort();
  });

  it("keeps only the secret's hash: not in the database file, the change log or the log", async () => {
    const { secret } = await ts.tokenClient("grpc", BOOTSTRAP).createToken({ name: "scanned", role: TokenRole.READER });
    expect(secret).toMatch(/^fw_[A-Za-z0-9_-]{43}$/);
    await ts.client("connect", undefined, secret).evaluate({ feature: "dashboard" });
    await ts.tokenClient("grpc", BOOTSTRAP).revokeToken({ name: "scanned" });
    const { changes } = await ts.client("grpc", undefined, BOOTSTRAP).listChanges({});
    expect(changes.map((c) => c.kind)).toHaveLength(2); // the feature's creation and enabling: tokens are not flag data
    const dir = dirname(ts.dbPath);
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      for (const value of [secret, BOOTSTRAP, ...Object.values(secrets)]) expect(bytes.includes(value)).toBe(false);
    }
    expect(lines.join("")).toContain("TokenService/CreateToken");
    for (const value of [secret, BOOTSTRAP, ...Object.values(secrets)]) expect(lines.join("")).not.toContain(value);
  });

  it("lists tokens with creator, revoker and last use, never a secret", async () => {
    const { tokens } = await ts.tokenClient("connect", BOOTSTRAP).listTokens({});
    const byName = new Map(tokens.map((t) => [t.name, t]));
    expect(byName.get("bootstrap")).toMatchObject({ role: TokenRole.ADMIN, createdBy: "bootstrap", revokedBy: "" });
    expect(byName.get("doomed")).toMatchObject({ role: TokenRole.EDITOR, createdBy: "bootstrap", revokedBy: "bootstrap" });
    expect(byName.get("doomed")?.revokeTime).toBeDefined();
    expect(byName.get("survivor")?.revokeTime).toBeUndefined();
    expect(byName.get("survivor")?.lastUseTime).toBeDefined();
    expect(byName.get("unused")?.lastUseTime).toBeUndefined();
  });

  it("refuses to revoke an unknown token, and to create a second active token with a name", async () => {
    const admin = ts.tokenClient("grpc", BOOTSTRAP);
    expect(await outcome(admin.revokeToken({ name: "doomed" }))).toBe("NotFound");
    expect(await outcome(admin.createToken({ name: "survivor", role: TokenRole.READER }))).toBe("AlreadyExists");
    expect(await outcome(admin.createToken({ name: "no spaces", role: TokenRole.READER }))).toBe("InvalidArgument");
    expect(await outcome(admin.createToken({ name: "norole" }))).toBe("InvalidArgument");
    // A revoked token's name may be used again.
    expect(await outcome(admin.createToken({ name: "doomed", role: TokenRole.READER }))).toBe("OK");
  });
});

describe("two flagwire processes on one database file", () => {
  it("a token revoked with the CLI is refused by the running server on its next call", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flagwire-revoke-"));
    const db = join(dir, "flags.db");
    try {
      const secret = (await runCliOk(["token", "create", "--db", db, "--role", "reader", "--name", "ci"])).stdout.trim();
      const serve = await startServe(["--db", db, "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"]);
      try {
        const client = createFlagClient({ baseUrl: `http://${serve.started.grpc as string}`, token: secret });
        expect(await outcome(client.listFeatures({}))).toBe("OK");
        await runCliOk(["token", "revoke", "--db", db, "--name", "ci"]);
        expect(await outcome(client.listFeatures({}))).toBe("Unauthenticated");
      } finally {
        expect(await serve.stop()).toBe(0);
      }
      const listed = (await runCliOk(["token", "list", "--db", db])).stdout;
      expect(listed).toMatch(/^ci\treader\tcreated .* by cli\tlast used \d{4}-.*\trevoked .* by cli\n$/);
      expect(listed).not.toContain(secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000); // three CLI processes on a busy 2-core machine
});
