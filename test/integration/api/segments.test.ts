import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind, CustomerFeatureFilter, EvaluationReason, RolloutStickiness, type Change } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// Segments end to end, and bulk evaluation: membership in bulk, rules and their precedence, cascades,
// the change log, EvaluateAll and EvaluateBatch, over Connect and native gRPC.

let ts: TestServer;
let flags: FlagClient;

beforeAll(async () => {
  ts = await startTestServer();
  flags = ts.client("connect", "cohort-bot");
  for (const name of ["billing", "dashboard", "reports"]) await flags.createFeature({ name });
  for (const id of ["101", "202", "303"]) await flags.createCustomer({ id });
  await flags.createUser({ id: "ann", customerId: "101" });
  await flags.createUser({ id: "bob", customerId: "202" });
  await flags.createUser({ id: "cat" });
});
afterAll(() => ts.close());

const customer = (value: string) => ({ kind: { case: "customerId" as const, value } });
const user = (value: string) => ({ kind: { case: "userId" as const, value } });

async function changesSince(revision: bigint): Promise<Change[]> {
  return (await flags.listChanges({ sinceRevision: revision, pageSize: 1000 })).changes;
}

describe("segments", () => {
  it("create, add members in bulk (one change, only what changed), list, list members in pages", async () => {
    const created = await flags.createSegment({ name: "beta-testers" });
    expect(created.segment).toMatchObject({ name: "beta-testers", customerCount: 0, userCount: 0, ruleCount: 0 });
    const added = await flags.addSegmentMembers({ segment: "beta-testers", customerIds: ["202", "101", "101"], userIds: ["cat"] });
    expect(added.revision).toBe(created.revision + 1n);
    const again = await flags.addSegmentMembers({ segment: "beta-testers", customerIds: ["101"], userIds: ["cat"] });
    expect(again.revision).toBe(added.revision); // nothing new: no change
    const [change] = await changesSince(created.revision);
    expect(change).toMatchObject({
      kind: ChangeKind.SEGMENT_MEMBERS_ADDED,
      segment: "beta-testers",
      memberCustomerIds: ["101", "202"],
      memberUserIds: ["cat"],
      actor: "cohort-bot",
    });

    await flags.createSegment({ name: "internal" });
    await flags.addSegmentMembers({ segment: "internal", userIds: ["ann"] });
    expect((await flags.listSegments({})).segments.map((s) => [s.name, s.customerCount, s.userCount])).toEqual([
      ["beta-testers", 2, 1],
      ["internal", 0, 1],
    ]);
    const page1 = await flags.listSegmentMembers({ segment: "beta-testers", pageSize: 2 });
    const page2 = await flags.listSegmentMembers({ segment: "beta-testers", pageSize: 2, pageToken: page1.nextPageToken });
    expect([...page1.members, ...page2.members].map((m) => m.kind)).toEqual([
      customer("101").kind,
      customer("202").kind,
      user("cat").kind,
    ]);
    expect(page2.nextPageToken).toBe("");
  });

  it("a segment rule applies to its customers, their users and its users; reason SEGMENT names it", async () => {
    await flags.setSegmentRule({ feature: "dashboard", segment: "beta-testers", enabled: true });
    for (const context of [{ customerId: "101" }, { userId: "ann" }, { userId: "cat" }, { customerId: "303", userId: "cat" }]) {
      expect(await flags.evaluate({ feature: "dashboard", ...context }), JSON.stringify(context)).toMatchObject({
        enabled: true,
        reason: EvaluationReason.SEGMENT,
        segment: "beta-testers",
      });
    }
    expect(await flags.evaluate({ feature: "dashboard", customerId: "303" })).toMatchObject({ enabled: false, reason: EvaluationReason.DEFAULT, segment: "" });
    expect((await flags.getFeature({ name: "dashboard" })).feature?.segmentRules).toMatchObject([
      { feature: "dashboard", segment: "beta-testers", enabled: true },
    ]);
  });

  it("conflicting segments: disabled wins and is named; overrides beat segments; segments beat rollouts", async () => {
    await flags.setSegmentRule({ feature: "dashboard", segment: "internal", enabled: false });
    expect(await flags.evaluate({ feature: "dashboard", userId: "ann" })).toMatchObject({ enabled: false, reason: EvaluationReason.SEGMENT, segment: "internal" });
    await flags.setOverride({ feature: "dashboard", target: user("ann"), enabled: true });
    expect(await flags.evaluate({ feature: "dashboard", userId: "ann" })).toMatchObject({ enabled: true, reason: EvaluationReason.USER_OVERRIDE, segment: "" });
    await flags.setRollout({ feature: "dashboard", rollout: { basisPoints: 10_000, stickiness: RolloutStickiness.CUSTOMER } });
    expect(await flags.evaluate({ feature: "dashboard", customerId: "202" })).toMatchObject({ enabled: true, reason: EvaluationReason.SEGMENT });
    expect(await flags.evaluate({ feature: "dashboard", customerId: "303" })).toMatchObject({ enabled: true, reason: EvaluationReason.ROLLOUT });
    await flags.clearRollout({ feature: "dashboard" });
    await flags.clearOverride({ feature: "dashboard", target: user("ann") });
  });

  it("customer-level lists account for segment rules", async () => {
    await flags.setSegmentRule({ feature: "reports", segment: "beta-testers", enabled: true });
    expect((await flags.listCustomersWithFeature({ feature: "reports" })).customerIds).toEqual(["101", "202"]);
    expect((await flags.listCustomersWithFeature({ feature: "reports", filter: CustomerFeatureFilter.EXPLICITLY_ENABLED })).customerIds).toEqual([]);
    expect((await flags.listFeaturesForCustomer({ customerId: "202" })).features).toEqual(["dashboard", "reports"]);
    expect((await flags.listFeaturesForCustomer({ customerId: "303" })).features).toEqual([]);
  });

  it("renaming a segment keeps members and rules; evaluation names the new name", async () => {
    const renamed = await flags.renameSegment({ name: "beta-testers", newName: "early-access" });
    expect(renamed.segment).toMatchObject({ name: "early-access", customerCount: 2, userCount: 1, ruleCount: 2 });
    expect(await flags.evaluate({ feature: "reports", userId: "bob" })).toMatchObject({ enabled: true, segment: "early-access" });
  });

  it("EvaluateAll: every feature for one context at one revision; EvaluateBatch: one feature for many contexts", async () => {
    const all = await flags.evaluateAll({ userId: "bob" });
    expect(all.revision).toBe((await flags.getFeature({ name: "billing" })).revision);
    expect(all.evaluations.map((e) => [e.feature, e.enabled, e.reason, e.segment])).toEqual([
      ["billing", false, EvaluationReason.DEFAULT, ""],
      ["dashboard", true, EvaluationReason.SEGMENT, "early-access"],
      ["reports", true, EvaluationReason.SEGMENT, "early-access"],
    ]);
    const contexts = [{ userId: "ann" }, { customerId: "303" }, {}, { customerId: "unknown-customer", userId: "cat" }];
    const batch = await ts.client("grpc").evaluateBatch({ feature: "dashboard", contexts });
    expect(batch.results.map((r) => [r.enabled, r.reason, r.segment])).toEqual([
      [false, EvaluationReason.SEGMENT, "internal"],
      [false, EvaluationReason.DEFAULT, ""],
      [false, EvaluationReason.DEFAULT, ""],
      [true, EvaluationReason.SEGMENT, "early-access"],
    ]);
    for (const [i, context] of contexts.entries()) {
      const single = await flags.evaluate({ feature: "dashboard", ...context });
      expect([single.enabled, single.reason, single.segment]).toEqual([batch.results[i]?.enabled, batch.results[i]?.reason, batch.results[i]?.segment]);
    }
    expect((await flags.evaluateBatch({ feature: "dashboard", contexts: [] })).results).toEqual([]);
    const big = Array.from({ length: 10_000 }, (_, i) => ({ userId: `u${i}`, customerId: i % 2 ? "101" : "" }));
    const bigBatch = await ts.client("grpc").evaluateBatch({ feature: "reports", contexts: big });
    expect(bigBatch.results.filter((r) => r.enabled).length).toBe(5000);
  });

  it("cascades: deleting a user or customer removes its memberships; deleting a segment or feature removes rules", async () => {
    const start = (await flags.listChanges({ pageSize: 1 })).revision;
    await flags.deleteUser({ id: "cat" });
    await flags.deleteCustomer({ id: "101" }); // and its user ann, who is in "internal"
    expect((await flags.listSegments({})).segments.map((s) => [s.name, s.customerCount, s.userCount, s.ruleCount])).toEqual([
      ["early-access", 1, 0, 2],
      ["internal", 0, 0, 1],
    ]);
    await flags.deleteSegment({ name: "internal" });
    expect((await flags.getFeature({ name: "dashboard" })).feature?.segmentRules.map((r) => r.segment)).toEqual(["early-access"]);
    await flags.deleteFeature({ name: "reports" });
    expect((await flags.getSegment({ name: "early-access" })).segment?.ruleCount).toBe(1);
    await flags.clearSegmentRule({ feature: "dashboard", segment: "early-access" });
    await flags.removeSegmentMembers({ segment: "early-access", customerIds: ["202"] });
    expect((await flags.getSegment({ name: "early-access" })).segment).toMatchObject({ customerCount: 0, ruleCount: 0 });
    expect((await changesSince(start)).map((c) => c.kind)).toEqual([
      ChangeKind.USER_DELETED,
      ChangeKind.CUSTOMER_DELETED,
      ChangeKind.SEGMENT_DELETED,
      ChangeKind.FEATURE_DELETED,
      ChangeKind.SEGMENT_RULE_CLEARED,
      ChangeKind.SEGMENT_MEMBERS_REMOVED,
    ]);
  });

  it("segments survive a restart", async () => {
    await flags.addSegmentMembers({ segment: "early-access", customerIds: ["202", "303"] });
    await flags.setSegmentRule({ feature: "billing", segment: "early-access", enabled: true });
    const before = await flags.evaluateAll({ customerId: "303" });
    await ts.restart();
    const reopened = ts.client("grpc");
    expect((await reopened.getSegment({ name: "early-access" })).segment).toMatchObject({ customerCount: 2, ruleCount: 1 });
    expect(await reopened.evaluateAll({ customerId: "303" })).toEqual(before);
  });
});
