import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";

/** Where the e2e tests leave a screenshot of every screen (gitignored; look at them). */
export const SCREENSHOTS = join(import.meta.dirname, "..", "..", "test-results", "screenshots");

/** A page of the dashboard at `baseUrl`, `width` pixels wide, that fails the test on any script error. */
export async function openDashboard(browser: Browser, baseUrl: string, width = 1280): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: width > 800 ? 900 : 844 }, baseURL: baseUrl });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  // A CSP violation is reported on the console: count it as an error too.
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/.test(message.text())) errors.push(message.text());
  });
  return { page, errors };
}

/** Writes a full-page screenshot named `name` into {@link SCREENSHOTS}. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Waits until `locator` has exactly `text` (trimmed), for at most `timeoutMs`. */
export async function waitForText(locator: Locator, text: string | RegExp, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = ((await locator.textContent({ timeout: timeoutMs }).catch(() => "")) ?? "").trim();
    if (typeof text === "string" ? last === text : text.test(last)) return;
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  throw new Error(`waited ${timeoutMs} ms for ${String(text)}, the page shows ${JSON.stringify(last)}`);
}

/** Waits until `locator` matches exactly `count` elements, for at most `timeoutMs`. */
export async function waitForCount(locator: Locator, count: number, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    last = await locator.count();
    if (last === count) return;
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  throw new Error(`waited ${timeoutMs} ms for ${count} matches, the page has ${last}`);
}

/** The page's Web Storage, as a function run in the page sees it (the root tsconfig has no DOM lib). */
export type PageGlobals = { sessionStorage: { getItem(key: string): string | null }; localStorage: { length: number } };
