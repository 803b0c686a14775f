import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RolloutStickiness, type Change } from "../../../gen/flagwire/v1/flags_pb.js";
import { TokenRole } from "../../../gen/flagwire/v1/tokens_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { openStore } from "../../../src/store/open-store.js";
import { createTestDatabase, POSTGRES, type TestDatabase } from "../../support/test-database.js";
import { runCli } from "../../support/run-cli.js";
import { dumpState } from "../../support/state-dump.js";
import { picture, replay, wholeLog } from "../../support/state-picture.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// `flagwire migrate --from <SQLite file> --to <PostgreSQL URL>` moves a database with its whole history: a server on
// the PostgreSQL URL then answers exactly what the SQLite server answered (state, ListChanges, tokens), a watcher
// resumes by the revisions it had, and new writes continue the clock. A target that holds data is refused and left
// exactly as it was.

const ADMIN = "migrate-admin-secret-0123456789abcdef";
const HEARTBEAT_MS = 200;

/** A history with every kind of entity: renames, deletes, rollouts, segments, rules, tokens (one revoked). */
async function writeHistory(client: FlagClient, source: TestServer): Promise<void> {
  await client.createFeature({ name: "checkout", enabled: false, description: "new checkout" });
  await client.createFeature({ name: "search", enabled: true });
  await client.createFeature({ name: "doomed" });
  await client.renameFeature({ name: "checkout", newName: "checkout-v2" });
  for (const id of ["acme", "globex", "initech"]) await client.createCustomer({ id });
  await client.createUser({ id: "alice", customerId: "acme" });
  await client.createUser({ id: "bob", customerId: "globex" });
  await client.createUser({ id: "carol" });
  await client.setOverride({ feature: "checkout-v2", target: { kind: { case: "customerId", value: "acme" } }, enabled: true });
  await client.setOverride({ feature: "search", target: { kind: { case: "userId", value: "bob" } }, enabled: false });
  await client.setOverride({ feature: "doomed", target: { kind: { case: "userId", value: "alice" } }, enabled: true });
  await client.deleteFeature({ name: "doomed" });
  await client.deleteCustomer({ id: "initech" });
  await client.setRollout({ feature: "search", rollout: { basisPoints: 2500, stickiness: RolloutStickiness.CUSTOMER } });
  await client.createSegment({ name: "beta" });
  await client.addSegmentMembers({ segment: "beta", customerIds: ["globex"], userIds: ["carol"] });
  await client.renameSegment({ name: "beta", newName: "beta-testers" });
  await client.setSegmentRule({ feature: "checkout-v2", segment: "beta-testers", enabled: true });
  const tokens = source.tokenClient("connect", ADMIN);
  await tokens.createToken({ name: "ci", role: TokenRole.EDITOR });
  await tokens.createToken({ name: "old", role: TokenRole.READER });
  await tokens.revokeToken({ name: "old" });
  // Flag usage: two evaluations of one feature, one of another, written to the database.
  await client.evaluate({ feature: "checkout-v2", customerId: "acme" });
  await client.evaluate({ feature: "checkout-v2", customerId: "globex" });
  await client.evaluate({ feature: "search", customerId: "acme" });
  await source.server.usage.flush();
}

/** Every change after `since` through `through` as one WatchChanges stream delivers it. */
async function watchFrom(client: FlagClient, since: number, through: number): Promise<Change[]> {
  const abort = new AbortController();
  const received: Change[] = [];
  if (since >= through) return received;
  for await (const message of client.watchChanges({ sinceRevision: BigInt(since) }, { signal: abort.signal })) {
    if (message.change) received.push(message.change);
    if (Number(message.change?.revision ?? message.heartbeat?.revision ?? 0) >= through) break;
  }
  abort.abort();
  return received;
}

describe.runIf(POSTGRES.run)("flagwire migrate into PostgreSQL", { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-migrate-"));
  let source: TestServer;
  let database: TestDatabase;
  let target: TestServer | undefined;

  beforeAll(async () => {
    POSTGRES.check();
    database = await createTestDatabase();
    source = await startTestServer({ bootstrapToken: ADMIN, heartbeatIntervalMs: HEARTBEAT_MS });
    await writeHistory(source.client("grpc", "ops", ADMIN), source);
  }, 60_000);

  afterAll(async () => {
    await target?.close();
    await source?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a target that is not a PostgreSQL URL, and a missing --to", async () => {
    const notPostgres = await runCli(["migrate", "--from", source.dbPath, "--to", join(dir, "other.db")]);
    expect(notPostgres.code).toBe(1);
    expect(notPostgres.stderr).toMatch(/is not a PostgreSQL URL: give one like postgres:\/\/user@host:5432\/dbname/);
    const missing = await runCli(["migrate", "--from", source.dbPath]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--to <url>/);
  });

  it("copies state, tokens and the whole log; a server on PostgreSQL answers the same", async () => {
    const before = await dumpState(source.client("grpc", "ops", ADMIN), 100);
    const revision = Number(before.revisions.changes);
    // The source keeps serving while it is copied (a SQLite file may be read by several processes).
    const migrated = await runCli(["migrate", "--from", source.dbPath, "--to", database.url]);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(new RegExp(`^migrated ${JSON.stringify(source.dbPath)} at revision ${revision} in [\\d.]+ s: `));
    expect(migrated.stdout).toMatch(/2 features, 2 customers, 3 users, 2 overrides, 1 segments, 2 segment members, 1 segment rules, 3 tokens, 2 feature usage, 2 feature usage days/);
    expect(migrated.stdout).toContain(`${revision} changes (changes 1-${revision}); the clock continues at ${revision + 1}`);

    target = await startTestServer({ dbPath: database.url, heartbeatIntervalMs: HEARTBEAT_MS });
    const onTarget = target.client("grpc", "ops", ADMIN);
    expect(await dumpState(onTarget, 100)).toEqual(before);
    // Segments, rules, rollouts and salts too: the whole state, and the log replays to it.
    const [from, to] = [await openStore(source.dbPath), await openStore(database.url)];
    try {
      expect(picture(await to.flags.loadState())).toEqual(picture(await from.flags.loadState()));
      expect(picture(replay(await wholeLog(to.flags)))).toEqual(picture(await from.flags.loadState()));
      expect(await to.tokens.readTokens()).toEqual(await from.tokens.readTokens());
      // The usage too, by feature: the target's features keep their counts and last-evaluated times.
      const used = await to.usage.readUsage(0);
      expect(used).toEqual(await from.usage.readUsage(0));
      expect([...used].map(([name, { days }]) => [name, [...days.values()]]).sort()).toEqual([["checkout-v2", [2]], ["search", [1]]]);
    } finally {
      await Promise.all([from.close(), to.close()]);
    }
    // Evaluation through the migrated rollout, override and segment rule.
    const evaluate = async (client: FlagClient, feature: string, customerId: string, userId = "") =>
      (({ $typeName, ...rest }) => rest)(await client.evaluate({ feature, customerId, userId }));
    for (const [feature, customer, user] of [["checkout-v2", "acme"], ["checkout-v2", "globex"], ["search", "globex", "bob"], ["search", "acme"]] as const) {
      expect(await evaluate(onTarget, feature, customer, user)).toEqual(await evaluate(source.client("grpc", "ops", ADMIN), feature, customer, user));
    }
    // The migrated tokens authenticate (and the revoked one does not): auth stayed on.
    await expect(target.client("grpc", "anonymous").listFeatures({})).rejects.toMatchObject({ code: Code.Unauthenticated });

    // A watcher that had seen revision k on the old server resumes from k on the new one and misses nothing.
    const log = (await onTarget.listChanges({ pageSize: 1000 })).changes;
    for (const since of [0, 5, revision - 1]) {
      expect(await watchFrom(onTarget, since, revision)).toEqual(log.filter((c) => Number(c.revision) > since));
    }
    // The clock continues after the copied revisions; new features get ids of their own.
    const next = await onTarget.createFeature({ name: "after-migrate" });
    expect(next.revision).toBe(BigInt(revision + 1));
    expect((await onTarget.createSegment({ name: "after-migrate" })).revision).toBe(BigInt(revision + 2));
  });

  it("refuses a target that already holds data, changing nothing", async () => {
    const before = await dumpState(target!.client("grpc", "ops", ADMIN), 100);
    const again = await runCli(["migrate", "--from", source.dbPath, "--to", database.url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds data \(revision \d+, .*features.*\): flagwire migrate copies into an empty database only/);
    expect(again.stdout).toBe("");
    await target!.restart();
    expect(await dumpState(target!.client("grpc", "ops", ADMIN), 100)).toEqual(before);
  });

  it("refuses a target whose schema holds only a token", async () => {
    const other = await createTestDatabase();
    try {
      const store = await openStore(other.url);
      await store.tokens.insertToken({ hash: "ab".repeat(32), name: "early", role: "admin", createdAt: 1, createdBy: "test" });
      await store.close();
      const refused = await runCli(["migrate", "--from", source.dbPath, "--to", other.url]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/already holds data \(1 tokens/);
      const reopened = await openStore(other.url);
      expect(await reopened.flags.latestRevision()).toBe(0);
      await reopened.close();
    } finally {
      await other.drop();
    }
  });
});
