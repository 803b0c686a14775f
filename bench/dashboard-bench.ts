/**
 * The dashboard in Debian's chromium against a server holding 10,000 features and 100,000 customers: how long
 * the first page takes to show, and how long searches take to answer, measured in the browser (Resource Timing
 * for the RPC, performance.now() for what the page shows). Baseline in the same run: GetCaller, the smallest
 * RPC on the same stack. Run with `npm run bench:dashboard`; the dashboard must be built (`npm run build`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { chromium, type Page } from "playwright-core";
import { startServer } from "../src/server/start-server.js";
import { writeDataset } from "./lib/dataset.js";

const SHAPE = { features: 10_000, customers: 100_000, usersPerCustomer: 0, customerOverrides: 20_000, userOverrides: 0 };
const RUNS = Number(process.env.RUNS ?? 7);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const fmt = (values: number[]) => `median ${median(values).toFixed(0)} ms (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)})`;

/** Duration of the last RPC to `method` the page made, from Resource Timing. */
async function lastRpcMs(page: Page, method: string): Promise<number> {
  return page.evaluate((m) => {
    const entries = performance.getEntriesByType("resource").filter((e) => e.name.endsWith(`/${m}`));
    return entries[entries.length - 1]?.duration ?? Number.NaN;
  }, method);
}

/** Types `text` into `label`'s box and answers the ms from the keystroke until `shown` holds, and the RPC's own ms. */
async function search(page: Page, label: string, text: string, shown: string, method: string): Promise<{ screen: number; rpc: number }> {
  await page.evaluate(() => performance.clearResourceTimings());
  const started = await page.evaluate(() => performance.now());
  await page.getByLabel(label).fill(text);
  const done = await page.waitForFunction(`document.querySelector(${JSON.stringify(shown)}) !== null && performance.now()`, null, { polling: "raf" });
  return { screen: ((await done.jsonValue()) as number) - started, rpc: await lastRpcMs(page, method) };
}

const dir = mkdtempSync(join(tmpdir(), "flagwire-dashboard-bench-"));
const dbPath = join(dir, "flags.db");
const generated = performance.now();
writeDataset(dbPath, SHAPE);
process.stderr.write(`data set written in ${((performance.now() - generated) / 1000).toFixed(1)} s\n`);
const server = await startServer({ dbPath, grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", logger: pino({ level: "silent" }) });
const browser = await chromium.launch({
  executablePath: process.env.FLAGWIRE_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const base = `http://127.0.0.1:${server.httpPort}`;
  const first: number[] = [];
  const firstRpc: number[] = [];
  const caller: number[] = [];
  const featureScreen: number[] = [];
  const featureRpc: number[] = [];
  const descriptionRpc: number[] = [];
  const customerScreen: number[] = [];
  const customerRpc: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    // bypassCSP: the measuring predicates are strings (this file has no DOM types); the page itself is unchanged.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/features`);
    // From navigation start to 50 rows on screen: HTML, bundle, GetCaller, ListFeatures, render.
    const shown = await page.waitForFunction(`document.querySelectorAll("tr[data-feature]").length === 50 && performance.now()`, null, { polling: "raf" });
    first.push((await shown.jsonValue()) as number);
    firstRpc.push(await lastRpcMs(page, "ListFeatures"));
    caller.push(await lastRpcMs(page, "GetCaller"));
    const byName = await search(page, "Search features", `f${String(1000 + run * 7).padStart(4, "0")}`, `tr[data-feature="f${String(1000 + run * 7).padStart(4, "0")}"]`, "ListFeatures");
    featureScreen.push(byName.screen);
    featureRpc.push(byName.rpc);
    // A text no feature has: the server looks at every name and description of the 10,000.
    await search(page, "Search features", `zz-none-${run}`, ".empty", "ListFeatures");
    descriptionRpc.push(await lastRpcMs(page, "ListFeatures"));
    await page.goto(`${base}/customers`);
    await page.locator("[data-testid=customers-list] li").first().waitFor();
    const id = `c${String(54_321 + run * 11).padStart(6, "0")}`;
    const byId = await search(page, "Search customers", id, `[data-testid=customers-list] a[href$="${id}"]`, "ListCustomers");
    customerScreen.push(byId.screen);
    customerRpc.push(byId.rpc);
    await context.close();
  }
  const lines = [
    `runs: ${RUNS}, data: ${SHAPE.features.toLocaleString("en")} features, ${SHAPE.customers.toLocaleString("en")} customers, ${SHAPE.customerOverrides.toLocaleString("en")} overrides`,
    `baseline GetCaller RPC (browser): ${fmt(caller)}`,
    `first page, navigation to 50 rows shown: ${fmt(first)}`,
    `  its ListFeatures RPC: ${fmt(firstRpc)}`,
    `feature search by name, keystroke to row shown (incl. 120 ms debounce): ${fmt(featureScreen)}`,
    `  its ListFeatures RPC: ${fmt(featureRpc)} (${(median(featureRpc) / median(caller)).toFixed(1)}x GetCaller)`,
    `feature search matching nothing (scans all 10,000 names and descriptions), RPC: ${fmt(descriptionRpc)} (${(median(descriptionRpc) / median(caller)).toFixed(1)}x GetCaller)`,
    `customer search by id over 100,000, keystroke to row shown (incl. 120 ms debounce): ${fmt(customerScreen)}`,
    `  its ListCustomers RPC: ${fmt(customerRpc)} (${(median(customerRpc) / median(caller)).toFixed(1)}x GetCaller)`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
