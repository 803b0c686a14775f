import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { BROWSER, launchBrowser } from "../../support/browser.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { sleep, waitUntil } from "../../support/wait-until.js";

// @openfeature/web-sdk with the stock @openfeature/ofrep-web-provider in Debian's chromium, on a page of another
// origin that the server allows (CORS): initial values, a change arriving by the event stream, and the provider's
// conditional refetch answered 304 when the change leaves its context's answer as it was.

/** Polls an async condition (the page's state) until it holds, for at most 10 s. */
async function eventually(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

type OfrepWindow = { ofrep: { start(baseUrl: string, targetingKey: string, token?: string): Promise<void>; value(key: string): { value: boolean; variant?: string; reason?: string }; changes: string[][] } };

/** The page's script (bundled once) and one chromium for both server set-ups. */
let parts: Promise<{ script: string; browser: Browser }> | undefined;
function sharedParts(): Promise<{ script: string; browser: Browser }> {
  parts ??= (async () => {
    const bundled = await build({
      entryPoints: [fileURLToPath(new URL("../../support/ofrep-web-page.ts", import.meta.url))],
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      logLevel: "silent",
    });
    return { script: bundled.outputFiles[0]?.text ?? "", browser: await launchBrowser() };
  })();
  return parts;
}
afterAll(async () => {
  if (parts) await (await parts).browser.close();
});

const TOKEN = "fw_ofrep-browser-bootstrap-secret-00000000000000000";

describe.runIf(BROWSER.run).each([
  ["authentication off", undefined],
  // The token goes as X-API-Key; the EventSource, which cannot send it, opens the stream with the bulk answer's ticket.
  ["authentication on", TOKEN],
])("OFREP web provider in chromium, %s", (_name, token) => {
  let ts: TestServer;
  let flags: FlagClient;
  let pages: Server;
  let browser: Browser;
  let page: Page;
  const bulkStatuses: number[] = [];

  beforeAll(async () => {
    BROWSER.check();
    const { script, browser: shared } = await sharedParts();
    browser = shared;
    pages = createServer((req, res) => {
      if (req.url === "/page.js") res.writeHead(200, { "content-type": "text/javascript" }).end(script);
      else res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><script src="/page.js"></script>');
    });
    await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    ts = await startTestServer({ allowOrigins: [origin], ...(token ? { bootstrapToken: token } : {}) });
    flags = ts.client("connect", undefined, token);
    await flags.createFeature({ name: "new-nav", enabled: false });
    await flags.createFeature({ name: "banner", enabled: true });
    await flags.createUser({ id: "ann" });
    await flags.setOverride({ feature: "new-nav", target: { kind: { case: "userId", value: "ann" } }, enabled: true });
    page = await browser.newPage();
    page.on("response", (response) => {
      if (new URL(response.url()).pathname === "/ofrep/v1/evaluate/flags") bulkStatuses.push(response.status());
    });
    await page.goto(origin);
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    await ts?.close();
    await new Promise((resolve) => pages?.close(resolve));
  });

  const value = (key: string) => page.evaluate((k) => (globalThis as unknown as OfrepWindow).ofrep.value(k), key);
  const changes = () => page.evaluate(() => (globalThis as unknown as OfrepWindow).ofrep.changes);

  it("starts with the server's values, follows a change by SSE, and revalidates with a 304", async () => {
    await page.evaluate(([baseUrl, secret]) => (globalThis as unknown as OfrepWindow).ofrep.start(baseUrl as string, "ann", secret), [ts.httpUrl, token] as const);
    expect(await value("new-nav")).toEqual({ value: true, variant: "on", reason: "TARGETING_MATCH" });
    expect(await value("banner")).toEqual({ value: true, variant: "on", reason: "STATIC" });
    expect(bulkStatuses).toEqual([200]);

    // A change of ann's answer: refetchEvaluation over the event stream, a refetch, ConfigurationChanged.
    await flags.setFeatureEnabled({ name: "banner", enabled: false });
    await eventually("ConfigurationChanged naming banner", async () => (await changes()).some((keys) => keys.includes("banner")));
    expect(await value("banner")).toMatchObject({ value: false, variant: "off" });

    // A change that leaves ann's answer as it was (another user's override of a targeted flag): the provider's
    // conditional refetch is answered 304.
    const seen = bulkStatuses.length;
    await flags.createUser({ id: "bob" });
    await waitUntil("the refetch", () => bulkStatuses.length > seen, 10_000);
    expect(bulkStatuses.slice(seen)).toContain(304);
    expect(await value("new-nav")).toMatchObject({ value: true });
  }, 60_000);
});
