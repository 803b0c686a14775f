import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { x86 } from "murmurhash3js-revisited";
import { ChangeKind, CustomerFeatureFilter, EvaluationReason, RolloutStickiness } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// Percentage rollouts end to end: the salt a feature gets, bucketing as published, rename stability, a ramp,
// customer-level lists, the change log, and persistence.

let ts: TestServer;
let flags: FlagClient;

beforeAll(async () => {
  ts = await startTestServer();
  flags = ts.client("connect", "ramp-bot");
});
afterAll(() => ts.close());

/** The published bucketing, computed with an independent MurmurHash3 implementation. */
const bucket = (salt: string, id: string) => x86.hash32(Buffer.from(`${salt}:${id}`, "utf8"), 0) % 10_000;
const users = Array.from({ length: 4000 }, (_, i) => `user-${i}`);
const byUser = (userId: string) => ({ userId });

describe("percentage rollouts", () => {
  let salt = "";

  it("a new feature gets a random salt of its own (16 hex digits)", async () => {
    const created = await flags.createFeature({ name: "dashboard" });
    salt = created.feature?.salt ?? "";
    expect(salt).toMatch(/^[0-9a-f]{16}$/);
    const other = await flags.createFeature({ name: "reports" });
    expect(other.feature?.salt).not.toBe(salt);
    expect(other.feature?.rollout).toBeUndefined();
  });

  it("SetRollout 25% by user: exactly the users whose published bucket is below 2500 get it, reason ROLLOUT", async () => {
    const set = await flags.setRollout({ feature: "dashboard", rollout: { basisPoints: 2500 } });
    expect(set.feature?.rollout).toMatchObject({ basisPoints: 2500, stickiness: RolloutStickiness.USER });
    const { results } = await flags.evaluateBatch({ feature: "dashboard", contexts: users.map(byUser) });
    expect(results.map((r) => r.enabled)).toEqual(users.map((id) => bucket(salt, id) < 2500));
    expect(new Set(results.map((r) => r.reason))).toEqual(new Set([EvaluationReason.ROLLOUT, EvaluationReason.DEFAULT]));
    const share = results.filter((r) => r.enabled).length / users.length;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.28);
  });

  it("no user id: the global value, with its own reason", async () => {
    expect(await flags.evaluate({ feature: "dashboard", customerId: "nobody" })).toMatchObject({
      enabled: false,
      reason: EvaluationReason.DEFAULT_NO_STICKINESS_ID,
    });
  });

  it("renaming the feature re-buckets nobody; raising to 50% keeps everyone who was in", async () => {
    const before = (await flags.evaluateBatch({ feature: "dashboard", contexts: users.map(byUser) })).results.map((r) => r.enabled);
    const renamed = await flags.renameFeature({ name: "dashboard", newName: "dashboard-v2" });
    expect(renamed.feature?.salt).toBe(salt);
    const after = (await flags.evaluateBatch({ feature: "dashboard-v2", contexts: users.map(byUser) })).results.map((r) => r.enabled);
    expect(after).toEqual(before);

    await flags.setRollout({ feature: "dashboard-v2", rollout: { basisPoints: 5000, stickiness: RolloutStickiness.USER } });
    const raised = (await flags.evaluateBatch({ feature: "dashboard-v2", contexts: users.map(byUser) })).results.map((r) => r.enabled);
    expect(users.filter((_, i) => before[i] && !raised[i])).toEqual([]);
    expect(raised.filter(Boolean).length).toBeGreaterThan(before.filter(Boolean).length);
  });

  it("a by-customer rollout buckets the customer (given, or the user's own) and counts in customer-level lists", async () => {
    const customers = Array.from({ length: 40 }, (_, i) => `cust-${String(i).padStart(2, "0")}`);
    for (const id of customers) await flags.createCustomer({ id });
    await flags.createUser({ id: "ann", customerId: "cust-00" });
    const reportsSalt = (await flags.getFeature({ name: "reports" })).feature?.salt ?? "";
    await flags.setRollout({ feature: "reports", rollout: { basisPoints: 3000, stickiness: RolloutStickiness.CUSTOMER } });
    const expectedOn = customers.filter((id) => bucket(reportsSalt, id) < 3000);
    expect(expectedOn.length).toBeGreaterThan(0);
    expect(expectedOn.length).toBeLessThan(customers.length);

    const listed = await flags.listCustomersWithFeature({ feature: "reports", filter: CustomerFeatureFilter.ENABLED, pageSize: 1000 });
    expect(listed.customerIds).toEqual(expectedOn);
    expect((await flags.evaluate({ feature: "reports", userId: "ann" })).enabled).toBe(expectedOn.includes("cust-00"));
    for (const id of [expectedOn[0] as string, customers.find((c) => !expectedOn.includes(c)) as string]) {
      const features = (await flags.listFeaturesForCustomer({ customerId: id })).features;
      expect(features.includes("reports"), id).toBe(expectedOn.includes(id));
    }

    // A by-user rollout has no user to bucket at customer level: the global value (off) for every customer.
    const byUserFeature = await flags.listCustomersWithFeature({ feature: "dashboard-v2", pageSize: 1000 });
    expect(byUserFeature.customerIds).toEqual([]);
    await flags.setFeatureEnabled({ name: "dashboard-v2", enabled: true });
    expect((await flags.listCustomersWithFeature({ feature: "dashboard-v2", pageSize: 1000 })).customerIds).toEqual(customers);
    await flags.setFeatureEnabled({ name: "dashboard-v2", enabled: false });
  });

  it("setting the same rollout again changes nothing; ClearRollout removes it once", async () => {
    const { revision } = await flags.getFeature({ name: "reports" });
    const same = await flags.setRollout({ feature: "reports", rollout: { basisPoints: 3000, stickiness: RolloutStickiness.CUSTOMER } });
    expect(same.revision).toBe(revision);
    const cleared = await flags.clearRollout({ feature: "reports" });
    expect(cleared.revision).toBe(revision + 1n);
    expect(cleared.feature?.rollout).toBeUndefined();
    expect((await flags.clearRollout({ feature: "reports" })).revision).toBe(cleared.revision);
    expect(await flags.evaluate({ feature: "reports", customerId: "cust-00" })).toMatchObject({ enabled: false, reason: EvaluationReason.DEFAULT });
  });

  it("the change log records the salt at creation and every rollout change, with the actor", async () => {
    const { changes } = await flags.listChanges({ pageSize: 1000 });
    expect(changes.find((c) => c.kind === ChangeKind.FEATURE_CREATED && c.feature === "dashboard")?.salt).toBe(salt);
    const rolloutChanges = changes.filter((c) => c.kind === ChangeKind.ROLLOUT_SET || c.kind === ChangeKind.ROLLOUT_CLEARED);
    expect(rolloutChanges.map((c) => [c.kind, c.feature, c.rollout?.basisPoints, c.rollout?.stickiness, c.actor])).toEqual([
      [ChangeKind.ROLLOUT_SET, "dashboard", 2500, RolloutStickiness.USER, "ramp-bot"],
      [ChangeKind.ROLLOUT_SET, "dashboard-v2", 5000, RolloutStickiness.USER, "ramp-bot"],
      [ChangeKind.ROLLOUT_SET, "reports", 3000, RolloutStickiness.CUSTOMER, "ramp-bot"],
      [ChangeKind.ROLLOUT_CLEARED, "reports", undefined, undefined, "ramp-bot"],
    ]);
  });

  it("salt, rollout and so every bucket survive a restart; native gRPC answers the same", async () => {
    const before = (await flags.evaluateBatch({ feature: "dashboard-v2", contexts: users.map(byUser) })).results;
    await ts.restart();
    const grpc = ts.client("grpc");
    const feature = (await grpc.getFeature({ name: "dashboard-v2" })).feature;
    expect(feature).toMatchObject({ salt, rollout: { basisPoints: 5000, stickiness: RolloutStickiness.USER } });
    const after = (await grpc.evaluateBatch({ feature: "dashboard-v2", contexts: users.map(byUser) })).results;
    expect(after).toEqual(before);
  });
});
