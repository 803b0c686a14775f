import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs build script, without types.
import { buildWeb, WEB_BUDGET_BYTES } from "../../../scripts/build-web.mjs";

// The dashboard's first load stays small: JS + CSS + index.html, gzipped, within 200 KB.
const out = mkdtempSync(join(tmpdir(), "flagwire-web-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("dashboard build", () => {
  it("builds hashed assets and an index.html pointing at them, within the gzipped budget", async () => {
    const { js, css, gzipped } = (await buildWeb(out)) as { js: string; css: string; gzipped: number };
    expect(WEB_BUDGET_BYTES).toBe(200 * 1024);
    expect(gzipped).toBeGreaterThan(1000);
    expect(gzipped).toBeLessThanOrEqual(WEB_BUDGET_BYTES);
    expect(js).toMatch(/assets\/main-[A-Z0-9]{8}\.js$/);
    expect(css).toMatch(/assets\/main-[A-Z0-9]{8}\.css$/);
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).toContain(`src="/assets/${js.split("/").pop()}"`);
    expect(html).toContain(`href="/assets/${css.split("/").pop()}"`);
    // Nothing inline: the strict CSP allows only the page's own files.
    expect(html).not.toMatch(/<script>|<style>|style="/);
  });
});
