import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ChangeKind, CustomerFeatureFilter, EvaluationReason, type Change } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import type { FlagState } from "../../../src/domain/flag-state.js";
import { MIGRATIONS } from "../../../src/store/sqlite/migrations.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

/**
 * What a restart must keep: every answer, the revision counter and the change log, read back from the
 * SQLite file alone (the snapshot is rebuilt from the tables, not from memory).
 */

const ACTOR = "persistence-test";
let ts: TestServer | undefined;

afterEach(async () => {
  await ts?.close();
  ts = undefined;
});

/** Everything the in-memory snapshot holds, as plain sorted data. */
function dumpState(state: FlagState) {
  const sortedEntries = <V>(map: Map<string, V>) => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    revision: state.revision,
    features: sortedEntries(state.features).map(([key, f]) => ({
      key,
      name: f.name,
      enabled: f.enabled,
      description: f.description,
      createdAt: f.createdAt,
      updatedAt: f.updatedAt,
      customerOverrides: sortedEntries(f.customerOverrides),
      userOverrides: sortedEntries(f.userOverrides),
    })),
    customers: sortedEntries(state.customers).map(([key, c]) => ({ key, id: c.id, createdAt: c.createdAt, userIds: [...c.userIds].sort() })),
    users: sortedEntries(state.users).map(([key, u]) => ({ key, ...u })),
    indexes: { features: [...state.featureNames.all], customers: [...state.customerIds.all], users: [...state.userIds.all] },
  };
}

/** A history that touches every kind of change, including renames and cascading deletes. */
async function writeHistory(client: FlagClient): Promise<void> {
  await client.createFeature({ name: "dashboard", enabled: true, description: "the new dashboard" });
  await client.createFeature({ name: "beta" });
  await client.createFeature({ name: "old-name", enabled: true });
  await client.createFeature({ name: "doomed" });
  for (const id of ["101", "102", "gone"]) await client.createCustomer({ id });
  await client.createUser({ id: "456", customerId: "101" });
  await client.createUser({ id: "789" });
  await client.createUser({ id: "900", customerId: "gone" });
  const overrides = [
    ["dashboard", { case: "customerId", value: "101" }, false],
    ["dashboard", { case: "userId", value: "456" }, true],
    ["beta", { case: "customerId", value: "102" }, true],
    ["beta", { case: "customerId", value: "gone" }, true],
    ["beta", { case: "userId", value: "900" }, true],
    ["old-name", { case: "customerId", value: "101" }, false],
    ["old-name", { case: "userId", value: "789" }, false],
    ["doomed", { case: "customerId", value: "101" }, true],
  ] as const;
  for (const [feature, kind, enabled] of overrides) await client.setOverride({ feature, target: { kind }, enabled });
  await client.renameFeature({ name: "old-name", newName: "new-name" });
  await client.deleteFeature({ name: "doomed" });
  await client.deleteCustomer({ id: "gone" });
  await client.deleteUser({ id: "789" });
  await client.setFeatureEnabled({ name: "beta", enabled: true });
  await client.clearOverride({ feature: "dashboard", target: { kind: { case: "userId", value: "456" } } });
  await client.setOverride({ feature: "dashboard", target: { kind: { case: "userId", value: "456" } }, enabled: true });
}

async function allChanges(client: FlagClient): Promise<Change[]> {
  const changes: Change[] = [];
  let pageToken = "";
  do {
    const page = await client.listChanges({ pageSize: 7, pageToken }); // small pages: the token must survive too
    changes.push(...page.changes);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return changes;
}

const EVALUATIONS = [
  ["dashboard", "101", ""],
  ["dashboard", "", "456"],
  ["dashboard", "102", ""],
  ["beta", "102", ""],
  ["beta", "gone", ""],
  ["beta", "", "900"],
  ["new-name", "101", ""],
  ["new-name", "", "789"],
  ["new-name", "102", ""],
] as const;

/** Every read answer the server gives about the history above. */
/** A feature without its usage: the reads below evaluate, and count; usage's own persistence is ops/usage.test.ts's. */
function withoutUsage<T extends { lastEvaluateTime?: unknown; evaluationsToday: bigint; evaluations7d: bigint; evaluations30d: bigint }>(feature: T): T {
  return { ...feature, lastEvaluateTime: undefined, evaluationsToday: 0n, evaluations7d: 0n, evaluations30d: 0n };
}

async function readEverything(client: FlagClient) {
  const features = await client.listFeatures({});
  const renamed = await client.getFeature({ name: "new-name" });
  return {
    features: { ...features, features: features.features.map(withoutUsage) },
    customers: await client.listCustomers({}),
    users: await client.listUsers({}),
    usersOf101: await client.listUsers({ customerId: "101" }),
    changes: await allChanges(client),
    evaluations: await Promise.all(EVALUATIONS.map(([feature, customerId, userId]) => client.evaluate({ feature, customerId, userId }))),
    customersWithDashboard: await Promise.all(
      [CustomerFeatureFilter.ENABLED, CustomerFeatureFilter.EXPLICITLY_ENABLED, CustomerFeatureFilter.EXPLICITLY_DISABLED].map((filter) =>
        client.listCustomersWithFeature({ feature: "dashboard", filter }),
      ),
    ),
    featuresFor: await Promise.all(["101", "102"].map((customerId) => client.listFeaturesForCustomer({ customerId }))),
    renamed: { ...renamed, feature: renamed.feature && withoutUsage(renamed.feature) },
  };
}

describe("restart on the same database file", () => {
  it("answers every read the same, keeps the change log and continues the revision sequence", async () => {
    ts = await startTestServer();
    await writeHistory(ts.client("connect", ACTOR));
    const before = await readEverything(ts.client("connect"));
    const stateBefore = dumpState(ts.server.engine.state);
    const revision = ts.server.engine.revision;

    // The history is what it should be before it is compared with itself after the restart.
    expect(revision).toBe(25);
    expect(before.changes.map((c) => Number(c.revision))).toEqual(Array.from({ length: revision }, (_, i) => i + 1));
    expect(before.changes.every((c) => c.actor === ACTOR)).toBe(true);
    expect(before.features.features.map((f) => [f.name, f.enabled, f.customerOverrideCount, f.userOverrideCount])).toEqual([
      ["beta", true, 1, 0],
      ["dashboard", true, 1, 1],
      ["new-name", true, 1, 0],
    ]);
    expect(before.customers.customers.map((c) => c.id)).toEqual(["101", "102"]);
    expect(before.users.users.map((u) => [u.id, u.customerId])).toEqual([["456", "101"]]);
    expect(before.evaluations.map((e) => [e.enabled, e.reason])).toEqual([
      [false, EvaluationReason.CUSTOMER_OVERRIDE],
      [true, EvaluationReason.USER_OVERRIDE],
      [true, EvaluationReason.DEFAULT],
      [true, EvaluationReason.CUSTOMER_OVERRIDE],
      [true, EvaluationReason.DEFAULT],
      [true, EvaluationReason.DEFAULT],
      [false, EvaluationReason.CUSTOMER_OVERRIDE],
      [true, EvaluationReason.DEFAULT],
      [true, EvaluationReason.DEFAULT],
    ]);

    await ts.restart();
    const client = ts.client("connect", ACTOR);
    expect(ts.server.engine.revision).toBe(revision);
    expect(dumpState(ts.server.engine.state)).toEqual(stateBefore);
    expect(await readEverything(client)).toEqual(before);

    const next = await client.createFeature({ name: "after-restart" });
    expect(next.revision).toBe(BigInt(revision + 1));
    const { changes } = await client.listChanges({ sinceRevision: BigInt(revision) });
    expect(changes.map((c) => [c.revision, c.kind, c.feature, c.actor])).toEqual([[BigInt(revision + 1), ChangeKind.FEATURE_CREATED, "after-restart", ACTOR]]);
  });

  it("replays the whole log through WatchChanges after a restart", async () => {
    ts = await startTestServer();
    await writeHistory(ts.client("connect", ACTOR));
    const logBefore = await allChanges(ts.client("connect"));
    await ts.restart();
    const client = ts.client("grpc");
    const abort = new AbortController();
    const replayed: Change[] = [];
    const timer = setTimeout(() => abort.abort(), 3_000);
    try {
      for await (const { change } of client.watchChanges({ sinceRevision: 0n }, { signal: abort.signal })) {
        if (change) replayed.push(change);
        if (replayed.length === logBefore.length) break;
      }
    } finally {
      clearTimeout(timer);
    }
    expect(replayed).toEqual(logBefore);
  });

  it("starts an empty database at revision 0, before and after a restart", async () => {
    ts = await startTestServer();
    expect((await ts.client().listChanges({})).revision).toBe(0n);
    await ts.restart();
    const client = ts.client();
    expect((await client.listChanges({})).revision).toBe(0n);
    expect((await client.createCustomer({ id: "first" })).revision).toBe(1n);
  });

  it("leaves a WAL-mode database at the latest schema version after close", async () => {
    ts = await startTestServer();
    await writeHistory(ts.client("connect", ACTOR));
    const revision = ts.server.engine.revision;
    await ts.server.close();
    const db = new Database(ts.dbPath, { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
      expect(db.prepare("SELECT max(revision) FROM changes").pluck().get()).toBe(revision);
      expect(db.prepare("SELECT count(*) FROM changes").pluck().get()).toBe(revision);
    } finally {
      db.close();
    }
  });
});
