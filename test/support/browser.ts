import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { requirement } from "./requirement.js";

// Debian's chromium, never a browser that a tool downloads. CI installs it and sets FLAGWIRE_REQUIRE_BROWSER=1,
// so there the browser tests always run; elsewhere they are skipped and say why.
const CHROMIUM = process.env.FLAGWIRE_CHROMIUM ?? "/usr/bin/chromium";

/** Whether the browser tests run here (describe.runIf(BROWSER.run)); call BROWSER.check() in beforeAll. */
export const BROWSER = requirement("BROWSER", existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);

/** A headless chromium (playwright gives it a fresh temporary profile and removes it on close). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Off the network (this machine's is closed, and chromium would keep retrying) and unsandboxed (CI is root).
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
