import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BROWSER, launchBrowser } from "../../support/browser.js";
import { FLAGD_SEED } from "../../support/flagd-seed.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

/**
 * The stock `@openfeature/flagd-web-provider` with `@openfeature/web-sdk`, bundled by esbuild into a page that
 * Debian's chromium loads from another origin (allowed by --allow-origin): it speaks Connect (JSON) to the HTTP port,
 * reads the initial values with ResolveAll, and follows a change through EventStream.
 */

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

// The page's script: connect, then record every value the SDK reports after a ConfigurationChanged.
const PAGE_SCRIPT = `
import { OpenFeature, ProviderEvents } from "@openfeature/web-sdk";
import { FlagdWebProvider } from "@openfeature/flagd-web-provider";
window.startFlagd = async (port) => {
  await OpenFeature.setContext({ targetingKey: "u1" });
  await OpenFeature.setProviderAndWait(new FlagdWebProvider({ host: "127.0.0.1", port, tls: false, maxRetries: 3 }));
  const client = OpenFeature.getClient();
  const read = () => {
    const pick = ({ value, reason, variant, errorCode }) => ({ value, reason, variant, ...(errorCode ? { errorCode } : {}) });
    return { plain: pick(client.getBooleanDetails("plain", false)), targeted: pick(client.getBooleanDetails("targeted", false)), missing: pick(client.getBooleanDetails("missing", true)) };
  };
  window.flagdChanges = [];
  client.addHandler(ProviderEvents.ConfigurationChanged, () => window.flagdChanges.push(read()));
  return read();
};
`;

describe.runIf(BROWSER.run)("flagd-web-provider in chromium", () => {
  let browser: Browser;
  let page: Page;
  let pages: Server;
  let ts: TestServer;
  beforeAll(async () => {
    BROWSER.check();
    const bundle = await build({
      stdin: { contents: PAGE_SCRIPT, resolveDir: process.cwd(), loader: "js" },
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    const html = `<!doctype html><meta charset="utf-8"><title>flagd</title><script type="module">${bundle.outputFiles[0]?.text.replaceAll("</script", "<\\/script")}</script>`;
    pages = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html));
    pages.listen(0, "127.0.0.1");
    await once(pages, "listening");
    const origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    ts = await startTestServer({ allowOrigins: [origin] }, FLAGD_SEED);
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => "startFlagd" in globalThis);
  });
  afterAll(async () => {
    await browser?.close();
    await ts?.close();
    pages?.close();
  });

  it("reads the initial values, then a change arrives by EventStream", async () => {
    const initial = await page.evaluate((port) => (globalThis as unknown as { startFlagd(port: number): Promise<unknown> }).startFlagd(port), ts.server.httpPort);
    expect(initial).toEqual({
      plain: { value: true, reason: "STATIC", variant: "on" },
      targeted: { value: true, reason: "TARGETING_MATCH", variant: "on" },
      missing: { value: true, reason: "ERROR", errorCode: "FLAG_NOT_FOUND" },
    });
    await ts.client("grpc").setFeatureEnabled({ name: "plain", enabled: false });
    await page.waitForFunction(() => ((globalThis as unknown as { flagdChanges: unknown[] }).flagdChanges ?? []).length > 0, undefined, { timeout: 10_000 });
    const changes = await page.evaluate(() => (globalThis as unknown as { flagdChanges: unknown[] }).flagdChanges);
    expect(changes[0]).toMatchObject({ plain: { value: false, reason: "STATIC", variant: "off" }, targeted: { value: true } });
  });
});
