import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind, OverrideTargetKind } from "../../../gen/flagwire/v1/flags_pb.js";
import { TokenRole } from "../../../gen/flagwire/v1/tokens_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { callOutcome } from "../../support/call-outcome.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// The queries the dashboard needs, answered by the server over the contract: searches, override counts and
// lists, a segment's rules, the history newest first (following renames), and who the caller is.

let ts: TestServer;
let flags: FlagClient;
const customer = (value: string) => ({ kind: { case: "customerId" as const, value } });
const user = (value: string) => ({ kind: { case: "userId" as const, value } });

beforeAll(async () => {
  ts = await startTestServer();
  flags = ts.client("connect", "pm-ann");
  await flags.createFeature({ name: "new-checkout", description: "The redesigned Checkout flow" });
  await flags.createFeature({ name: "dark-mode", description: "Theme" });
  await flags.createFeature({ name: "reports", description: "monthly reports" });
  for (const id of ["acme-1", "acme-2", "globex"]) await flags.createCustomer({ id });
  await flags.createUser({ id: "ann@acme", customerId: "acme-1" });
  await flags.createUser({ id: "bob@globex", customerId: "globex" });
  await flags.setOverride({ feature: "dark-mode", target: customer("acme-1"), enabled: true });
  await flags.setOverride({ feature: "dark-mode", target: customer("globex"), enabled: false });
  await flags.setOverride({ feature: "dark-mode", target: user("ann@acme"), enabled: true });
  await flags.createSegment({ name: "beta" });
  await flags.setSegmentRule({ feature: "reports", segment: "beta", enabled: true });
  await flags.setSegmentRule({ feature: "dark-mode", segment: "beta", enabled: false });
});
afterAll(() => ts.close());

/** The feature once the background read of the log has reached it. */
async function waitForLastChange(name: string) {
  for (let i = 0; i < 200; i++) {
    const { feature } = await flags.getFeature({ name });
    if (feature && feature.lastChangeRevision > 0n) return feature;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no last change for ${name}`);
}

describe("dashboard queries", () => {
  it("ListFeatures searches name and description, ignoring case, in pages", async () => {
    const names = async (query: string, pageSize = 0) => (await flags.listFeatures({ query, pageSize })).features.map((f) => f.name);
    expect(await names("CHECKOUT")).toEqual(["new-checkout"]);
    expect(await names("mode")).toEqual(["dark-mode"]);
    expect(await names("e")).toEqual(["dark-mode", "new-checkout", "reports"]);
    expect(await names("nothing-like-it")).toEqual([]);
    const first = await flags.listFeatures({ query: "e", pageSize: 2 });
    const second = await flags.listFeatures({ query: "e", pageSize: 2, pageToken: first.nextPageToken });
    expect([...first.features, ...second.features].map((f) => f.name)).toEqual(["dark-mode", "new-checkout", "reports"]);
    expect(second.nextPageToken).toBe("");
    expect(await callOutcome(flags.listFeatures({ query: "x".repeat(129) }))).toEqual({
      code: "InvalidArgument",
      message: "query of 129 characters is too long: search with at most 128",
    });
  });

  it("ListCustomers and ListUsers search ids", async () => {
    expect((await flags.listCustomers({ query: "ACME" })).customers.map((c) => c.id)).toEqual(["acme-1", "acme-2"]);
    expect((await flags.listUsers({ query: "globex" })).users.map((u) => u.id)).toEqual(["bob@globex"]);
    expect((await flags.listUsers({ customerId: "acme-1", query: "bob" })).users).toEqual([]);
  });

  it("a feature carries its overrides counted on and off, in reads and in write responses", async () => {
    const { feature } = await flags.getFeature({ name: "dark-mode" });
    expect(feature).toMatchObject({ overrideOnCount: 2, overrideOffCount: 1, customerOverrideCount: 2, userOverrideCount: 1 });
    const written = await flags.setFeatureEnabled({ name: "dark-mode", enabled: false });
    expect(written.feature).toMatchObject({ overrideOnCount: 2, overrideOffCount: 1 });
  });

  it("a feature carries its last change and who made it, known again after a restart (read back from the log)", async () => {
    await ts.client("connect", "night-job").setOverride({ feature: "new-checkout", target: user("bob@globex"), enabled: false });
    const before = (await flags.getFeature({ name: "new-checkout" })).feature;
    expect(before).toMatchObject({ lastChangeActor: "night-job", lastChangeRevision: before?.lastChangeRevision });
    expect(before?.lastChangeRevision).toBeGreaterThan(0n);
    await ts.restart();
    flags = ts.client("connect", "pm-ann");
    const after = await waitForLastChange("new-checkout");
    expect(after).toMatchObject({ lastChangeActor: "night-job", lastChangeRevision: before?.lastChangeRevision, lastChangeTime: before?.lastChangeTime });
    // A segment rule counts as the feature's change; renames are followed back (reports was created by pm-ann).
    expect(await waitForLastChange("reports")).toMatchObject({ lastChangeActor: "pm-ann" });
  });

  it("ListFeatureOverrides lists one kind, searchable, and refuses an unset kind", async () => {
    const customers = await flags.listFeatureOverrides({ feature: "dark-mode", targetKind: OverrideTargetKind.CUSTOMER });
    expect(customers.overrides.map((o) => [o.target?.kind.value, o.enabled])).toEqual([["acme-1", true], ["globex", false]]);
    const found = await flags.listFeatureOverrides({ feature: "dark-mode", targetKind: OverrideTargetKind.CUSTOMER, query: "glob" });
    expect(found.overrides.map((o) => o.target?.kind.value)).toEqual(["globex"]);
    const users = await flags.listFeatureOverrides({ feature: "dark-mode", targetKind: OverrideTargetKind.USER });
    expect(users.overrides.map((o) => o.target?.kind)).toEqual([{ case: "userId", value: "ann@acme" }]);
    expect((await callOutcome(flags.listFeatureOverrides({ feature: "dark-mode" }))).code).toBe("InvalidArgument");
    expect((await callOutcome(flags.listFeatureOverrides({ feature: "nope", targetKind: OverrideTargetKind.USER }))).code).toBe("NotFound");
  });

  it("GetSegment answers the segment's rules by feature name", async () => {
    const { rules } = await flags.getSegment({ name: "beta" });
    expect(rules.map((r) => [r.feature, r.segment, r.enabled])).toEqual([["dark-mode", "beta", false], ["reports", "beta", true]]);
  });

  it("SearchChanges pages newest first, follows a feature back through renames, filters actor and kind", async () => {
    await flags.renameFeature({ name: "reports", newName: "reports-v2" });
    await ts.client("connect", "deploy-bot").setFeatureEnabled({ name: "reports-v2", enabled: true });
    const history = await flags.searchChanges({ feature: "reports-v2" });
    expect(history.changes.map((c) => [c.kind, c.feature])).toEqual([
      [ChangeKind.FEATURE_ENABLED_SET, "reports-v2"],
      [ChangeKind.FEATURE_RENAMED, "reports"],
      [ChangeKind.SEGMENT_RULE_SET, "reports"],
      [ChangeKind.FEATURE_CREATED, "reports"],
    ]);
    expect(history.nextPageToken).toBe("");
    const paged = [];
    let pageToken = "";
    do {
      const page = await flags.searchChanges({ feature: "reports-v2", pageSize: 1, pageToken });
      paged.push(...page.changes.map((c) => c.revision));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(paged).toEqual(history.changes.map((c) => c.revision));
    const byBot = await flags.searchChanges({ actor: "deploy-bot" });
    expect(byBot.changes.map((c) => c.kind)).toEqual([ChangeKind.FEATURE_ENABLED_SET]);
    const created = await flags.searchChanges({ kinds: [ChangeKind.CUSTOMER_CREATED] });
    expect(created.changes.map((c) => c.target?.kind.value)).toEqual(["globex", "acme-2", "acme-1"]);
    const all = await flags.searchChanges({});
    expect(all.changes[0]?.revision).toBe(all.revision);
    expect((await callOutcome(flags.searchChanges({ pageToken: "bogus" }))).code).toBe("InvalidArgument");
  });

  it("a feature deleted and created again: its history starts at the new creation", async () => {
    await flags.createFeature({ name: "phoenix" });
    await flags.deleteFeature({ name: "phoenix" });
    await flags.createFeature({ name: "phoenix", enabled: true });
    const history = await flags.searchChanges({ feature: "phoenix" });
    expect(history.changes.map((c) => c.kind)).toEqual([ChangeKind.FEATURE_CREATED]);
  });
});

describe("GetCaller", () => {
  it("says who calls and with which role; with authentication off, everyone is admin", async () => {
    const tokens = ts.tokenClient();
    expect(await tokens.getCaller({})).toMatchObject({ authenticationEnabled: false, tokenName: "", role: TokenRole.ADMIN });
    const { secret: admin } = await tokens.createToken({ name: "ops", role: TokenRole.ADMIN });
    const { secret: reader } = await ts.tokenClient("connect", admin).createToken({ name: "support", role: TokenRole.READER });
    expect(await ts.tokenClient("grpc", reader).getCaller({})).toMatchObject({ authenticationEnabled: true, tokenName: "support", role: TokenRole.READER });
    expect((await callOutcome(ts.tokenClient().getCaller({}))).code).toBe("Unauthenticated");
    // The reader may ask who it is, not manage tokens.
    expect((await callOutcome(ts.tokenClient("connect", reader).listTokens({}))).code).toBe("PermissionDenied");
  });
});
