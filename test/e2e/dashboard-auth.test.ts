import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { TokenRole } from "../../gen/flagwire/v1/tokens_pb.js";
import type { FlagClient } from "../../src/client/create-flag-client.js";
import { BROWSER, launchBrowser } from "../support/browser.js";
import { openDashboard, screenshot, waitForText, type PageGlobals } from "../support/dashboard-page.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

// With tokens: sign-in (the token kept in sessionStorage only), the UI follows the role, the Tokens screen
// (secret shown once, revoke), and a reader's forged edit request refused by the server.

const ADMIN = "admin-secret-for-the-dashboard-test";
let ts: TestServer;
let grpc: FlagClient;
let browser: Browser;
let admin: Page;
let readerSecret = "";

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto("/");
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe.runIf(BROWSER.run)("dashboard, signed in", { timeout: 20_000 }, () => {
  beforeAll(async () => {
    BROWSER.check();
    ts = await startTestServer({ bootstrapToken: ADMIN });
    grpc = ts.client("grpc", undefined, ADMIN);
    await grpc.createFeature({ name: "new-checkout", description: "The redesigned Checkout flow" });
    browser = await launchBrowser();
    admin = (await openDashboard(browser, ts.httpUrl)).page;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ts?.close();
  });

  it("asks for a token; a wrong one shows the server's message; the right one is kept for the tab only", async () => {
    await signIn(admin, "not-a-token");
    await waitForText(admin.locator(".sign-in .error"), /the API token is not valid/);
    await screenshot(admin, "sign-in");
    await signIn(admin, ADMIN);
    await waitForText(admin.getByTestId("caller"), "bootstrap · admin");
    const stored = await admin.evaluate(() => {
      const page = globalThis as unknown as PageGlobals;
      return [page.sessionStorage.getItem("flagwire.token"), page.localStorage.length];
    });
    expect(stored).toEqual([ADMIN, 0]);
    await admin.getByRole("link", { name: "Tokens" }).waitFor();
  });

  it("tokens: create (the secret shown once), a duplicate refused, revoke; checked over gRPC", async () => {
    await admin.getByRole("link", { name: "Tokens" }).click();
    await admin.getByLabel("Name").fill("support");
    await admin.getByLabel("Role").selectOption({ label: "reader" });
    await admin.getByRole("button", { name: "Create" }).click();
    readerSecret = await admin.getByTestId("token-secret").inputValue();
    expect(readerSecret.length).toBeGreaterThan(20);
    await admin.getByLabel("Name").fill("support");
    await admin.getByRole("button", { name: "Create" }).click();
    await waitForText(admin.locator("section[aria-labelledby=create-token-heading] .error"), /support/);
    await admin.getByLabel("Name").fill("temp");
    await admin.getByRole("button", { name: "Create" }).click();
    await admin.getByRole("button", { name: "Revoke temp" }).click();
    await waitForText(admin.locator('tr[data-token="temp"] td[data-label=State]'), /^revoked .* by bootstrap$/);
    await screenshot(admin, "tokens");
    const tokens = (await ts.tokenClient("grpc", ADMIN).listTokens({})).tokens;
    expect(tokens.map((t) => [t.name, t.role, t.revokeTime !== undefined])).toEqual([
      ["bootstrap", TokenRole.ADMIN, false],
      ["support", TokenRole.READER, false],
      ["temp", TokenRole.READER, true],
    ]);
  });

  it("an edit through the page is recorded in the token's name", async () => {
    await admin.getByRole("link", { name: "Features" }).click();
    await admin.locator('tr[data-feature="new-checkout"]').getByRole("switch").click();
    await admin.locator('tr[data-feature="new-checkout"] [role=switch][aria-checked=true]').waitFor();
    const [last] = (await grpc.searchChanges({ pageSize: 1 })).changes;
    expect(last).toMatchObject({ feature: "new-checkout", enabled: true, actor: "bootstrap" });
  });

  it("a reader sees no edit controls, and a forged edit request from the page is refused", async () => {
    const { page, errors } = await openDashboard(browser, ts.httpUrl);
    await signIn(page, readerSecret);
    await waitForText(page.getByTestId("caller"), "support · reader");
    await page.locator('tr[data-feature="new-checkout"]').waitFor();
    expect(await page.getByRole("switch").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Create" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Tokens" }).count()).toBe(0);
    await screenshot(page, "features-reader");
    await page.getByRole("link", { name: "new-checkout" }).click();
    await page.getByTestId("rollout-now").waitFor();
    expect(await page.locator("main button").evaluateAll((buttons) => buttons.map((b) => b.textContent))).toEqual(["Customers", "Users", "Effective on", "Explicitly on", "Explicitly off"]);
    // What a page script could send with the token it holds: the server, not the UI, refuses it.
    const forged = await page.evaluate(async () => {
      const token = (globalThis as unknown as PageGlobals).sessionStorage.getItem("flagwire.token") ?? "";
      const res = await fetch("/flagwire.v1.FeatureFlagService/SetFeatureEnabled", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: "new-checkout", enabled: false }),
      });
      return { status: res.status, body: (await res.json()) as { code: string; message: string } };
    });
    expect(forged).toEqual({
      status: 403,
      body: { code: "permission_denied", message: 'the API token "support" has role reader; flagwire.v1.FeatureFlagService/SetFeatureEnabled needs editor or admin' },
    });
    expect((await grpc.getFeature({ name: "new-checkout" })).feature?.enabled).toBe(true);
    // Signing out forgets the token.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API token").waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.getItem("flagwire.token"))).toBeNull();
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
