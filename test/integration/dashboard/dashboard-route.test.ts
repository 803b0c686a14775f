import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenRole } from "../../../gen/flagwire/v1/tokens_pb.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// The dashboard's static files on the HTTP port, by raw HTTP: content types, cache headers, the CSP, the SPA
// fallback for screen URLs only, no token needed for the files (the API still needs one), and --no-dashboard.
const dir = mkdtempSync(join(tmpdir(), "flagwire-dashboard-"));
mkdirSync(join(dir, "assets"));
writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/assets/main-ABCD1234.js"></script>');
writeFileSync(join(dir, "assets", "main-ABCD1234.js"), "console.log(1)");
writeFileSync(join(dir, "assets", "main-ABCD1234.css"), "body{}");

let on: TestServer;
let off: TestServer;
beforeAll(async () => {
  [on, off] = await Promise.all([startTestServer({ dashboard: { dir } }), startTestServer({ dashboard: false })]);
});
afterAll(async () => {
  await Promise.all([on.close(), off.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("dashboard route", () => {
  it.each([
    ["/", "text/html; charset=utf-8", "no-cache"],
    ["/features", "text/html; charset=utf-8", "no-cache"],
    ["/features/new-checkout", "text/html; charset=utf-8", "no-cache"],
    ["/history?feature=x", "text/html; charset=utf-8", "no-cache"],
    ["/assets/main-ABCD1234.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"],
    ["/assets/main-ABCD1234.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"],
  ])("GET %s: %s, cache %s, strict CSP", async (path, type, cache) => {
    const res = await fetch(`${on.httpUrl}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("cache-control")).toBe(cache);
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self';.*connect-src 'self'.*frame-ancestors 'none'/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const body = await res.text();
    if (type.startsWith("text/html")) expect(body).toContain("/assets/main-ABCD1234.js");
  });

  it("HEAD answers the headers without a body", async () => {
    const res = await fetch(`${on.httpUrl}/assets/main-ABCD1234.js`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("14");
    expect(await res.text()).toBe("");
  });

  it.each(["/nope", "/assets/missing.js", "/assets/..%2Findex.html"])("GET %s is not the page: the route-not-found 404", async (path) => {
    const res = await fetch(`${on.httpUrl}${path}`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("unimplemented");
  });

  it("GET /ofrep/v1/evaluate/flags is not the page either: OFREP's own 405", async () => {
    const res = await fetch(`${on.httpUrl}/ofrep/v1/evaluate/flags`);
    expect(res.status).toBe(405);
    expect(res.headers.get("content-type")).not.toMatch(/html/);
  });

  it("POST / is not served", async () => {
    const res = await fetch(`${on.httpUrl}/`, { method: "POST", body: "x" });
    expect(res.status).toBe(404);
  });

  it("with --no-dashboard, / is the route-not-found 404 and the API still answers", async () => {
    const res = await fetch(`${off.httpUrl}/`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(/^no RPC at "\/"/);
    expect((await off.client().listFeatures({})).features).toEqual([]);
  });

  it("the files need no token once authentication is on; the API calls do", async () => {
    await on.tokenClient().createToken({ name: "ops", role: TokenRole.ADMIN });
    expect((await fetch(`${on.httpUrl}/features`)).status).toBe(200);
    expect((await fetch(`${on.httpUrl}/assets/main-ABCD1234.js`)).status).toBe(200);
    const api = await fetch(`${on.httpUrl}/flagwire.v1.FeatureFlagService/ListFeatures`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(api.status).toBe(401);
  });

  it("the default folder is the package's dist/web; an unbuilt dashboard says how to build it", async () => {
    const empty = mkdtempSync(join(tmpdir(), "flagwire-unbuilt-"));
    const server = await startTestServer({ dashboard: { dir: empty } });
    try {
      const res = await fetch(`${server.httpUrl}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/the dashboard is not built .*run `npm run build`/);
    } finally {
      await server.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
