import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind, CustomerFeatureFilter, EvaluationReason, type Change } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

let ts: TestServer;
let flags: FlagClient;

beforeAll(async () => {
  ts = await startTestServer();
  flags = ts.client("connect", "alice");
});
afterAll(() => ts.close());

async function allChanges(since = 0n): Promise<Change[]> {
  const out: Change[] = [];
  let pageToken = "";
  do {
    const page = await flags.listChanges({ sinceRevision: since, pageSize: 2, pageToken });
    out.push(...page.changes);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}

describe("every RPC through the connect-node client", () => {
  it("features: create, get, list, rename, switch, delete", async () => {
    const created = await flags.createFeature({ name: "dashboard", enabled: true, description: "new dashboard" });
    expect(created.feature).toMatchObject({ name: "dashboard", enabled: true, description: "new dashboard" });
    expect(created.revision).toBe(1n);
    await flags.createFeature({ name: "reports" });
    await flags.createFeature({ name: "beta" });

    const got = await flags.getFeature({ name: "reports" });
    expect(got.feature?.enabled).toBe(false);
    expect(got.revision).toBe(3n);

    const page1 = await flags.listFeatures({ pageSize: 2 });
    expect(page1.features.map((f) => f.name)).toEqual(["beta", "dashboard"]);
    const page2 = await flags.listFeatures({ pageSize: 2, pageToken: page1.nextPageToken });
    expect(page2.features.map((f) => f.name)).toEqual(["reports"]);
    expect(page2.nextPageToken).toBe("");

    const renamed = await flags.renameFeature({ name: "beta", newName: "zeta" });
    expect(renamed.feature?.name).toBe("zeta");
    const switched = await flags.setFeatureEnabled({ name: "reports", enabled: true });
    expect(switched.feature?.enabled).toBe(true);
    const deleted = await flags.deleteFeature({ name: "zeta" });
    expect(deleted.revision).toBe(6n);
    expect((await flags.listFeatures({})).features.map((f) => f.name)).toEqual(["dashboard", "reports"]);
  });

  it("customers and users: create, list (optionally by customer), delete with cascade", async () => {
    for (const id of ["101", "202", "303"]) await flags.createCustomer({ id });
    const user = await flags.createUser({ id: "456", customerId: "101" });
    expect(user.user).toMatchObject({ id: "456", customerId: "101" });
    await flags.createUser({ id: "789" });
    await flags.createUser({ id: "u-303", customerId: "303" });

    expect((await flags.listCustomers({})).customers.map((c) => c.id)).toEqual(["101", "202", "303"]);
    expect((await flags.listUsers({})).users.map((u) => u.id)).toEqual(["456", "789", "u-303"]);
    expect((await flags.listUsers({ customerId: "101" })).users.map((u) => u.id)).toEqual(["456"]);

    await flags.setOverride({ feature: "dashboard", target: { kind: { case: "userId", value: "u-303" } }, enabled: false });
    await flags.deleteCustomer({ id: "303" });
    expect((await flags.listCustomers({})).customers.map((c) => c.id)).toEqual(["101", "202"]);
    expect((await flags.listUsers({})).users.map((u) => u.id)).toEqual(["456", "789"]);
    expect((await flags.getFeature({ name: "dashboard" })).feature?.userOverrideCount).toBe(0);

    await flags.createUser({ id: "gone" });
    await flags.deleteUser({ id: "gone" });
    expect((await flags.listUsers({})).users.map((u) => u.id)).toEqual(["456", "789"]);
  });

  it("overrides and evaluation with reasons", async () => {
    const customer = (value: string) => ({ kind: { case: "customerId" as const, value } });
    const user = (value: string) => ({ kind: { case: "userId" as const, value } });

    expect(await flags.evaluate({ feature: "dashboard", customerId: "101" })).toMatchObject({
      enabled: true,
      reason: EvaluationReason.DEFAULT,
    });
    await flags.setOverride({ feature: "dashboard", target: customer("101"), enabled: false });
    expect(await flags.evaluate({ feature: "dashboard", customerId: "101" })).toMatchObject({
      enabled: false,
      reason: EvaluationReason.CUSTOMER_OVERRIDE,
    });
    // The user's own customer counts when no customer is given.
    expect(await flags.evaluate({ feature: "dashboard", userId: "456" })).toMatchObject({
      enabled: false,
      reason: EvaluationReason.CUSTOMER_OVERRIDE,
    });
    await flags.setOverride({ feature: "dashboard", target: user("456"), enabled: true });
    expect(await flags.evaluate({ feature: "dashboard", userId: "456" })).toMatchObject({
      enabled: true,
      reason: EvaluationReason.USER_OVERRIDE,
    });
    // Unknown ids evaluate by the rules.
    expect(await flags.evaluate({ feature: "dashboard", customerId: "nobody", userId: "ghost" })).toMatchObject({
      enabled: true,
      reason: EvaluationReason.DEFAULT,
    });
    await flags.clearOverride({ feature: "dashboard", target: user("456") });
    expect((await flags.evaluate({ feature: "dashboard", userId: "456" })).reason).toBe(EvaluationReason.CUSTOMER_OVERRIDE);
  });

  it("lists: customers with a feature (each filter) and features for a customer", async () => {
    await flags.setOverride({ feature: "reports", target: { kind: { case: "customerId", value: "202" } }, enabled: false });
    await flags.setFeatureEnabled({ name: "reports", enabled: false });
    await flags.setOverride({ feature: "reports", target: { kind: { case: "customerId", value: "101" } }, enabled: true });
    const list = async (feature: string, filter: CustomerFeatureFilter) =>
      (await flags.listCustomersWithFeature({ feature, filter })).customerIds;

    expect(await list("dashboard", CustomerFeatureFilter.ENABLED)).toEqual(["202"]);
    expect(await list("dashboard", CustomerFeatureFilter.UNSPECIFIED)).toEqual(["202"]);
    expect(await list("dashboard", CustomerFeatureFilter.EXPLICITLY_ENABLED)).toEqual([]);
    expect(await list("dashboard", CustomerFeatureFilter.EXPLICITLY_DISABLED)).toEqual(["101"]);
    expect(await list("reports", CustomerFeatureFilter.ENABLED)).toEqual(["101"]);
    expect(await list("reports", CustomerFeatureFilter.EXPLICITLY_DISABLED)).toEqual(["202"]);

    expect((await flags.listFeaturesForCustomer({ customerId: "101" })).features).toEqual(["reports"]);
    expect((await flags.listFeaturesForCustomer({ customerId: "202" })).features).toEqual(["dashboard"]);
  });

  it("a write that changes nothing appends nothing and answers the current revision", async () => {
    const before = (await flags.listChanges({})).revision;
    const again = await flags.setOverride({
      feature: "reports",
      target: { kind: { case: "customerId", value: "101" } },
      enabled: true,
    });
    const clear = await flags.clearOverride({ feature: "reports", target: { kind: { case: "userId", value: "789" } } });
    const same = await flags.setFeatureEnabled({ name: "reports", enabled: false });
    expect([again.revision, clear.revision, same.revision]).toEqual([before, before, before]);
    expect((await flags.listChanges({})).revision).toBe(before);
  });

  it("the change log: one entry per write, increasing revisions, actor, kinds", async () => {
    const changes = await allChanges();
    expect(changes.map((c) => c.revision)).toEqual(changes.map((_, i) => BigInt(i + 1)));
    expect(changes.every((c) => c.actor === "alice")).toBe(true);
    expect(changes[0]).toMatchObject({ kind: ChangeKind.FEATURE_CREATED, feature: "dashboard", enabled: true });
    const renamed = changes.find((c) => c.kind === ChangeKind.FEATURE_RENAMED);
    expect(renamed).toMatchObject({ feature: "beta", newName: "zeta" });
    const userCreated = changes.find((c) => c.kind === ChangeKind.USER_CREATED);
    expect(userCreated).toMatchObject({ target: { kind: { case: "userId", value: "456" } }, customerId: "101" });
    expect((await allChanges(BigInt(changes.length - 2))).map((c) => c.revision)).toEqual(
      changes.slice(-2).map((c) => c.revision),
    );
  });

  it("WatchChanges replays after since_revision, then goes live without gap or duplicate", async () => {
    const start = (await flags.listChanges({})).revision;
    const abort = new AbortController();
    const seen: bigint[] = [];
    const stream = flags.watchChanges({ sinceRevision: start - 3n }, { signal: abort.signal });
    const done = (async () => {
      try {
        for await (const message of stream) {
          if (message.heartbeat) continue;
          seen.push(message.change?.revision ?? -1n);
          if (seen.length === 3) {
            // Writes made while the replay is being read must follow it exactly once.
            await flags.createCustomer({ id: "live-1" });
            await flags.createCustomer({ id: "live-2" });
          }
          if (seen.length === 5) abort.abort();
        }
      } catch {
        // aborted by us
      }
    })();
    await done;
    expect(seen).toEqual([start - 2n, start - 1n, start, start + 1n, start + 2n]);
  });

  it("refuses an actor that HTTP/2 and HTTP/1.1 would not carry alike, and records nothing", async () => {
    const before = (await flags.listChanges({})).revision;
    for (const actor of ["ops\u00e9", "a".repeat(129)]) {
      const err = await ts
        .client("connect", actor)
        .createCustomer({ id: "by-odd-actor" })
        .catch((e: unknown) => ConnectError.from(e));
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.InvalidArgument);
      expect((err as ConnectError).rawMessage).toMatch(/x-flagwire-actor .* is invalid: use 1-128 printable ASCII characters/);
    }
    expect((await flags.listChanges({})).revision).toBe(before);
  });

  it("the same service answers over gRPC and gRPC-Web", async () => {
    for (const protocol of ["grpc", "grpc-web"] as const) {
      const client = ts.client(protocol);
      const result = await client.evaluate({ feature: "dashboard", customerId: "101" });
      expect(result.reason).toBe(EvaluationReason.CUSTOMER_OVERRIDE);
      expect(result.revision).toBe((await flags.listChanges({})).revision);
    }
  });

  it("answers Connect JSON from plain fetch", async () => {
    const response = await fetch(`${ts.httpUrl}/flagwire.v1.FeatureFlagService/Evaluate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ feature: "dashboard", customerId: "101" }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    // Defaults are emitted on the HTTP port: `"enabled": false` is the answer people look for.
    expect(body).toMatchObject({ enabled: false, reason: "EVALUATION_REASON_CUSTOMER_OVERRIDE" });
    expect(typeof body.revision).toBe("string");
  });
});
