import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CustomerFeatureFilter, EvaluationReason, OverrideTargetKind, RolloutStickiness } from "../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../src/client/create-flag-client.js";
import { BROWSER, launchBrowser } from "../support/browser.js";
import { openDashboard, screenshot, waitForCount, waitForText } from "../support/dashboard-page.js";
import { startRestartableTestServer } from "../support/restartable-test-server.js";
import type { TestServer } from "../support/test-server.js";

// Every editing flow through the page in Debian's chromium, against a real server on a temp database, each
// checked through a gRPC client afterwards. Authentication is off here (everyone is admin); roles are in
// dashboard-auth.test.ts. One browser and one page for the file.

let ts: TestServer;
let grpc: FlagClient;
let browser: Browser;
let page: Page;
let errors: string[];
const customer = (value: string) => ({ kind: { case: "customerId" as const, value } });

describe.runIf(BROWSER.run)("dashboard, editing", { timeout: 20_000 }, () => {
  beforeAll(async () => {
    BROWSER.check();
    ts = await startRestartableTestServer();
    grpc = ts.client("grpc", "deploy-script");
    await grpc.createFeature({ name: "new-checkout", description: "The redesigned Checkout flow" });
    await grpc.createFeature({ name: "dark-mode", description: "Theme switch" });
    await grpc.createFeature({ name: "reports" });
    for (const id of ["acme", "globex"]) await grpc.createCustomer({ id });
    await grpc.createUser({ id: "ann@acme", customerId: "acme" });
    await grpc.createSegment({ name: "beta" });
    browser = await launchBrowser();
    ({ page, errors } = await openDashboard(browser, ts.httpUrl));
    await page.goto("/");
    await page.getByRole("link", { name: "new-checkout" }).waitFor();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ts?.close();
  });
  const row = (name: string) => page.locator(`tr[data-feature="${name}"]`);

  it("features: the list, server-side search by name and description, and a screenshot", async () => {
    expect(await page.locator("tr[data-feature]").count()).toBe(3);
    await waitForText(page.getByTestId("live"), /^Live · r\d+$/);
    await screenshot(page, "features");
    await page.getByLabel("Search features").fill("CHECKOUT");
    await waitForText(page.locator("tr[data-feature] .feature-name").first(), "new-checkout");
    await waitForCount(page.locator("tr[data-feature]"), 1);
    await page.getByLabel("Search features").fill("theme");
    await waitForCount(page.locator("tr[data-feature]"), 1);
    await row("dark-mode").waitFor();
    expect(page.url()).toContain("?q=theme");
    await page.getByLabel("Search features").fill("");
    await waitForCount(page.locator("tr[data-feature]"), 3);
  });

  it("features: the global switch in one click", async () => {
    await row("dark-mode").getByRole("switch").click();
    await row("dark-mode").locator("[role=switch][aria-checked=true]").waitFor();
    const { feature } = await grpc.getFeature({ name: "dark-mode" });
    expect(feature?.enabled).toBe(true);
    // Without tokens the page names itself as the actor: the change log says who switched it.
    expect(feature?.lastChangeActor).toBe("dashboard");
  });

  it("a change made through gRPC appears in the open page within 1 s", async () => {
    await grpc.setFeatureEnabled({ name: "reports", enabled: true });
    await row("reports").locator("[role=switch][aria-checked=true]").waitFor({ timeout: 1000 });
    const { feature } = await grpc.getFeature({ name: "reports" });
    await waitForText(row("reports").getByTestId("last-actor"), `r${String(feature?.lastChangeRevision)} by deploy-script`, 1000);
    await grpc.createFeature({ name: "from-a-script" });
    await row("from-a-script").waitFor({ timeout: 1000 });
  });

  it("create: bad input and a duplicate show the server's message and change nothing", async () => {
    const before = (await grpc.listFeatures({ pageSize: 1000 })).features.map((f) => f.name);
    await page.getByLabel("Name", { exact: true }).fill("no spaces allowed");
    await page.getByRole("button", { name: "Create" }).click();
    await waitForText(page.locator("#create-feature-heading ~ * .error, section[aria-labelledby=create-feature-heading] .error"), /feature name "no spaces allowed" is invalid/);
    await page.getByLabel("Name", { exact: true }).fill("reports");
    await page.getByRole("button", { name: "Create" }).click();
    await waitForText(page.locator("section[aria-labelledby=create-feature-heading] .error"), /already exists/);
    await screenshot(page, "features-refused");
    expect((await grpc.listFeatures({ pageSize: 1000 })).features.map((f) => f.name)).toEqual(before);
  });

  it("create a feature, then its screen: rollout, overrides, segment rule, customer lists, history", async () => {
    await page.getByLabel("Name", { exact: true }).fill("beta-banner");
    await page.getByLabel("Description").fill("Banner for beta customers");
    await page.getByRole("button", { name: "Create" }).click();
    await page.waitForURL(/\/features\/beta-banner$/);
    expect((await grpc.getFeature({ name: "beta-banner" })).feature).toMatchObject({ description: "Banner for beta customers", enabled: false });

    // Rollout: an exact two-decimal percentage; three decimals is refused before anything is sent.
    await page.getByLabel("Percentage").fill("12.345");
    await page.getByRole("button", { name: "Set rollout" }).click();
    await waitForText(page.locator("section[aria-labelledby=rollout-heading] .error"), /not a percentage/);
    await page.getByLabel("Percentage").fill("12.34");
    await page.getByLabel("Sticky by").selectOption("customer");
    await page.getByRole("button", { name: "Set rollout" }).click();
    await waitForText(page.getByTestId("rollout-now"), "Now: 12.34% by customer");
    expect((await grpc.getFeature({ name: "beta-banner" })).feature?.rollout).toMatchObject({ basisPoints: 1234, stickiness: RolloutStickiness.CUSTOMER });

    // Overrides: an unknown customer is refused with the server's words; a known one is set, then cleared.
    await page.getByLabel("Customer id").fill("nobody");
    await page.getByRole("button", { name: "Set override" }).click();
    await waitForText(page.locator("section[aria-labelledby=overrides-heading] .error"), /customer "nobody"/);
    await page.getByLabel("Customer id").fill("acme");
    await page.getByRole("button", { name: "Set override" }).click();
    await waitForText(page.getByTestId("overrides-list"), /^acmeOnClear$/);
    expect(await grpc.evaluate({ feature: "beta-banner", customerId: "acme" })).toMatchObject({ enabled: true, reason: EvaluationReason.CUSTOMER_OVERRIDE });
    await page.getByRole("button", { name: "Explicitly on" }).click();
    await waitForText(page.getByTestId("feature-customers"), "acme");

    // Segment rule.
    await page.getByLabel("Segment", { exact: true }).selectOption("beta");
    await page.getByLabel("Value").last().selectOption("off");
    await page.getByRole("button", { name: "Set rule" }).click();
    await waitForText(page.getByTestId("segment-rules"), /^betaOffClear$/);
    expect((await grpc.getSegment({ name: "beta" })).rules.map((r) => [r.feature, r.enabled])).toEqual([["beta-banner", false]]);

    // Its history, newest first, live.
    await waitForText(page.getByTestId("feature-history").locator("tbody tr").first(), /set beta-banner off for segment beta/);
    await screenshot(page, "feature");

    await page.getByRole("button", { name: "Clear the override for customer acme" }).click();
    await waitForText(page.getByTestId("overrides-list"), "");
    const overrides = await grpc.listFeatureOverrides({ feature: "beta-banner", targetKind: OverrideTargetKind.CUSTOMER });
    expect(overrides.overrides).toEqual([]);
    expect((await grpc.listCustomersWithFeature({ feature: "beta-banner", filter: CustomerFeatureFilter.EXPLICITLY_ENABLED })).customerIds).toEqual([]);
  });

  it("rename and delete need the name typed; the page follows a rename made elsewhere", async () => {
    const rename = page.getByRole("button", { name: "Rename" });
    await page.getByLabel("New name").fill("beta-banner-2");
    expect(await rename.isDisabled()).toBe(true);
    await page.locator("#rename-confirm").fill("beta-banner");
    await rename.click();
    await page.waitForURL(/\/features\/beta-banner-2$/);
    expect((await grpc.getFeature({ name: "beta-banner-2" })).feature?.name).toBe("beta-banner-2");
    await grpc.renameFeature({ name: "beta-banner-2", newName: "beta-banner-3" });
    await page.waitForURL(/\/features\/beta-banner-3$/, { timeout: 1000 });
    // The history follows the renames back to the creation.
    await waitForText(page.getByTestId("feature-history").locator("tbody tr").last(), /created beta-banner \(off\)/);
    const remove = page.getByRole("button", { name: "Delete feature" });
    await page.getByLabel(/to confirm/).last().fill("beta-banner");
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel(/to confirm/).last().fill("beta-banner-3");
    await remove.click();
    await page.waitForURL(/\/features$/);
    expect((await grpc.listFeatures({ query: "beta-banner" })).features).toEqual([]);
  });

  it("explain: every feature's value and reason for a context, naming the deciding rule", async () => {
    await grpc.setOverride({ feature: "new-checkout", target: customer("acme"), enabled: true });
    await grpc.addSegmentMembers({ segment: "beta", userIds: ["ann@acme"] });
    await grpc.setSegmentRule({ feature: "reports", segment: "beta", enabled: false });
    await page.getByRole("link", { name: "Explain" }).click();
    await page.getByLabel("User id").fill("ann@acme");
    await page.getByRole("button", { name: "Explain" }).click();
    await waitForText(page.locator('[data-testid=explain-table] tr[data-feature="new-checkout"]'), /Onoverride of the customer of the user/);
    await waitForText(page.locator('[data-testid=explain-table] tr[data-feature="reports"]'), /Offrule of segment beta/);
    await waitForText(page.locator('[data-testid=explain-table] tr[data-feature="dark-mode"]'), /Onglobal value/);
    await screenshot(page, "explain");
    const truth = await grpc.evaluateAll({ userId: "ann@acme" });
    expect(truth.evaluations.find((e) => e.feature === "reports")).toMatchObject({ enabled: false, reason: EvaluationReason.SEGMENT, segment: "beta" });
  });

  it("customers and users: create, a customer's features and users, delete with the cascade named", async () => {
    await page.getByRole("link", { name: "Customers & users" }).click();
    await page.getByLabel("New customer id").fill("initech");
    await page.getByRole("button", { name: "Create customer" }).click();
    await page.getByTestId("customers-list").getByRole("link", { name: "initech" }).waitFor();
    await page.getByLabel("New customer id").fill("initech");
    await page.getByRole("button", { name: "Create customer" }).click();
    await waitForText(page.locator("section[aria-labelledby=customers-heading] .error"), /already exists/);
    await page.getByLabel("New user id").fill("peter@initech");
    await page.getByLabel("Customer (optional)").fill("initech");
    await page.getByRole("button", { name: "Create user" }).click();
    expect((await grpc.listUsers({ customerId: "initech" })).users.map((u) => u.id)).toEqual(["peter@initech"]);
    await page.getByTestId("customers-list").getByRole("link", { name: "acme" }).click();
    await waitForText(page.getByTestId("customer-features"), /new-checkout/);
    await waitForText(page.getByTestId("customer-users"), "ann@acme");
    await screenshot(page, "customers");
    await page.getByTestId("customers-list").getByRole("link", { name: "initech" }).click();
    await waitForText(page.getByTestId("customer-users"), "peter@initech");
    await waitForText(page.locator("section[aria-labelledby=customer-details-heading] .confirm p"), /its overrides, its 1 user and their overrides/);
    await page.getByLabel(/to confirm/).fill("initech");
    await page.getByRole("button", { name: "Delete customer" }).click();
    await page.waitForURL(/\/customers$/);
    expect((await grpc.listCustomers({ query: "initech" })).customers).toEqual([]);
    expect((await grpc.listUsers({ query: "peter" })).users).toEqual([]);
  });

  it("segments: paste many members at once, unknown ids refused with nothing added, rules, rename", async () => {
    await page.getByRole("link", { name: "Segments" }).click();
    await page.getByTestId("segments-list").getByRole("link", { name: "beta" }).click();
    await page.getByLabel(/Paste ids/).fill("acme, globex\nnobody");
    await page.getByRole("button", { name: "Add 3 members" }).click();
    await waitForText(page.locator("section[aria-labelledby=segment-details-heading] .error").first(), /nobody/);
    expect((await grpc.listSegmentMembers({ segment: "beta" })).members.map((m) => m.kind.value)).toEqual(["ann@acme"]);
    await page.getByLabel(/Paste ids/).fill("acme globex");
    await page.getByRole("button", { name: "Add 2 members" }).click();
    await waitForText(page.getByTestId("segment-members"), /^acmecustomerRemoveglobexcustomerRemoveann@acmeuserRemove$/);
    await waitForText(page.getByTestId("segment-rules-list"), "reportsOff");
    await screenshot(page, "segments");
    expect((await grpc.listSegmentMembers({ segment: "beta" })).members.map((m) => m.kind.value)).toEqual(["acme", "globex", "ann@acme"]);
    await page.getByLabel("New name").fill("beta-testers");
    await page.getByRole("button", { name: "Rename" }).click();
    await page.waitForURL(/segment=beta-testers$/);
    expect((await grpc.getSegment({ name: "beta-testers" })).segment?.customerCount).toBe(2);
  });

  it("history: the whole log newest first, filtered by actor and kind, live", async () => {
    await page.getByRole("link", { name: "History" }).click();
    await waitForText(page.getByTestId("history-table").locator("tbody tr").first(), /renamed segment beta to beta-testers/);
    await page.getByLabel("Actor").fill("deploy-script");
    await page.getByLabel("Kind").selectOption({ label: "Feature created" });
    await waitForCount(page.locator("[data-testid=history-table] tbody tr"), 4);
    await grpc.createFeature({ name: "late-arrival" });
    await waitForText(page.getByTestId("history-table").locator("tbody tr").first(), /created late-arrival/, 1000);
    await screenshot(page, "history");
  });

  it("the server restarted under the open page: it shows reconnecting, then the changes made meanwhile", async () => {
    await page.getByRole("link", { name: "Features" }).click();
    await row("late-arrival").waitFor();
    await ts.server.close();
    await page.locator("[data-testid=live][data-status=reconnecting]").waitFor();
    await screenshot(page, "reconnecting");
    // Written while the server is down, by another process on the same database.
    await ts.restart();
    await ts.client("grpc", "night-job").setFeatureEnabled({ name: "late-arrival", enabled: true });
    await row("late-arrival").locator("[role=switch][aria-checked=true]").waitFor({ timeout: 5000 });
    await waitForText(page.getByTestId("live"), /^Live · r\d+$/);
    grpc = ts.client("grpc", "deploy-script");
  });

  it("at 390 px wide every screen stays usable (screenshots), with no script or CSP error", async () => {
    const phone = await openDashboard(browser, ts.httpUrl, 390);
    const screens = [
      ["/features", "features-390", "[data-feature]"],
      ["/features/new-checkout", "feature-390", "[data-testid=rollout-now]"],
      ["/customers?customer=acme", "customers-390", "[data-testid=customer-users] li"],
    ] as const;
    for (const [path, name, ready] of screens) {
      await phone.page.goto(path);
      await phone.page.locator(ready).first().waitFor();
      const overflow = await phone.page.locator("html").evaluate((html) => html.scrollWidth - html.clientWidth);
      expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
      await screenshot(phone.page, name);
    }
    await phone.page.context().close();
    expect([...errors, ...phone.errors]).toEqual([]);
  }, 20_000);
});
