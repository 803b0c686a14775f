import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/test-server.js";

/**
 * `flagwire/client` and `flagwire/client/web` as a user's project sees them: a temp project whose
 * node_modules/flagwire links to this repository (as `npm install` of the package would place it), importing
 * by package name against a real server. Needs the build (`npm test` builds first).
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..", "..");
const project = mkdtempSync(join(tmpdir(), "flagwire-user-"));
mkdirSync(join(project, "node_modules"));
symlinkSync(ROOT, join(project, "node_modules", "flagwire"), "dir");
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Runs an ESM script inside the user's project; resolves to what it printed, parsed as JSON. */
async function runInProject(name: string, source: string, env: Record<string, string> = {}): Promise<unknown> {
  const file = join(project, name);
  writeFileSync(file, source);
  const { stdout } = await run(process.execPath, [file], { cwd: project, env: { ...process.env, ...env }, timeout: 30_000 });
  return JSON.parse(stdout);
}

/** The error code an import fails with inside the user's project, or "imported". */
async function importOutcome(specifier: string): Promise<unknown> {
  const source = `
    try { await import(${JSON.stringify(specifier)}); console.log(JSON.stringify("imported")); }
    catch (err) { console.log(JSON.stringify(err.code ?? String(err))); }
  `;
  return runInProject(`import-${specifier.replace(/\W/g, "_")}.mjs`, source);
}

describe("the package's public entries", () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
    await ts.client().createFeature({ name: "dashboard", enabled: false });
    await ts.client().createCustomer({ id: "101" });
    await ts.client().setOverride({ feature: "dashboard", target: { kind: { case: "customerId", value: "101" } }, enabled: true });
  });
  afterAll(() => ts.close());

  it("flagwire/client: createFlagClient evaluates and createFlagCache answers in process, as the server does", async () => {
    const script = `
      import { createFlagClient, createFlagCache, ConnectError, Code, EvaluationReason } from "flagwire/client";
      const client = createFlagClient({ baseUrl: process.env.GRPC_URL });
      const answer = await client.evaluate({ feature: "dashboard", customerId: "101" });
      const missing = await client.evaluate({ feature: "nope" }).catch((err) => err instanceof ConnectError && err.code === Code.NotFound);
      const cache = createFlagCache(client);
      await cache.ready;
      const cached = [cache.isEnabled("dashboard", { customerId: "101" }), cache.isEnabled("dashboard", { customerId: "202" })];
      cache.close();
      console.log(JSON.stringify({ enabled: answer.enabled, reason: EvaluationReason[answer.reason], missing, cached }));
    `;
    expect(await runInProject("client.mjs", script, { GRPC_URL: ts.grpcUrl })).toEqual({
      enabled: true,
      reason: "CUSTOMER_OVERRIDE",
      missing: true,
      cached: [true, false],
    });
  }, 30_000);

  it("flagwire/client/web: the fetch client evaluates over Connect", async () => {
    const script = `
      import { createWebFlagClient, createFlagCache } from "flagwire/client/web";
      const client = createWebFlagClient({ baseUrl: process.env.HTTP_URL });
      const { enabled } = await client.evaluate({ feature: "dashboard", customerId: "101" });
      console.log(JSON.stringify({ enabled, cache: typeof createFlagCache }));
    `;
    expect(await runInProject("web.mjs", script, { HTTP_URL: ts.httpUrl })).toEqual({ enabled: true, cache: "function" });
  }, 30_000);

  it('"flagwire" is the Node client too; deep imports into dist/ are refused by the exports map', async () => {
    const same = `
      import * as root from "flagwire";
      import * as client from "flagwire/client";
      console.log(JSON.stringify(root.createFlagClient === client.createFlagClient && root.createFlagCache === client.createFlagCache));
    `;
    expect(await runInProject("root.mjs", same)).toBe(true);
    const deep = ["flagwire/dist/src/client/create-flag-client.js", "flagwire/dist/src/client/index.js", "flagwire/src/client/index.ts", "flagwire/client/index.js"];
    expect(await Promise.all(deep.map(importOutcome))).toEqual(deep.map(() => "ERR_PACKAGE_PATH_NOT_EXPORTED"));
  }, 30_000); // five node processes

  it("the entries carry types: a TypeScript user project type-checks against them, and deep imports do not resolve", async () => {
    const consumer = `
      import { createFlagClient, createFlagCache, type FlagCache, type FlagClientOptions } from "flagwire/client";
      import { createWebFlagClient, type WebFlagClientOptions } from "flagwire/client/web";
      // @ts-expect-error: not exported by the package
      import { watch } from "flagwire/dist/src/client/flag-cache.js";

      const options: FlagClientOptions = { baseUrl: "http://127.0.0.1:50051", protocol: "grpc" };
      const cache: FlagCache = createFlagCache(createFlagClient(options));
      const on: boolean = cache.isEnabled("dashboard", { customerId: "101" });
      // @ts-expect-error: a browser cannot speak native gRPC
      const web: WebFlagClientOptions = { baseUrl: "/", protocol: "grpc" };
      // @ts-expect-error: evaluate takes a feature name (proves the client is typed, not any)
      void createWebFlagClient({ baseUrl: "/" }).evaluate({ feature: 1 });
      void [on, web, watch];
    `;
    const dir = join(project, "typed");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "consumer.ts"), consumer);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const compilerOptions = {
      module: "NodeNext",
      moduleResolution: "NodeNext",
      target: "ES2022",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [join(ROOT, "node_modules", "@types")],
    };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["consumer.ts"] }));
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const outcome = await run(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { cwd: dir, timeout: 60_000 }).then(
      () => "clean",
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(outcome).toBe("clean");
  }, 60_000); // a type check of the client's declarations: 2 s alone, several on a busy 2-core machine
});
