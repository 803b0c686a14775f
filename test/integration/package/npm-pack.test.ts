import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requirement } from "../../support/requirement.js";

/**
 * The package as users get it: `npm pack` of this checkout, installed into an empty folder with nothing but
 * `npm install <tarball>`, then the classic workflow with the installed `flagwire` command and the three public
 * imports from an ESM script there. The npm cache is the machine's own, so dependencies install offline.
 *
 * better-sqlite3's install script first looks for a prebuilt binary (downloaded from its releases, which this
 * machine cannot reach) and else compiles SQLite from source, which takes minutes on two cores. By default the test
 * hands it the binary this checkout already built, as a local prebuild (`npm_config_better_sqlite3_local_prebuilds`,
 * prebuild-install's own option); FLAGWIRE_PACK_FROM_SOURCE=1 makes it compile instead.
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..", "..");
const FROM_SOURCE = process.env.FLAGWIRE_PACK_FROM_SOURCE === "1";
const systemd = requirement("SYSTEMD", spawnSync("systemd-analyze", ["--version"]).status === 0, "systemd-analyze is missing (Debian package systemd)");

interface PackedFile {
  path: string;
  size: number;
}

/** `npm pack --json` of this checkout into `dir`: the tarball and what it holds. dist/ must be built (`npm run build`). */
async function pack(dir: string): Promise<{ tarball: string; size: number; files: PackedFile[] }> {
  // --ignore-scripts: the suite's own build made dist/ already; `npm pack` alone would run `prepare` (the build) again.
  const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(stdout) as { filename: string; size: number; files: PackedFile[] }[];
  if (!info) throw new Error(`npm pack printed no package: ${stdout}`);
  return { tarball: join(dir, info.filename), size: info.size, files: info.files };
}

/** A prebuild-install tarball of this checkout's better-sqlite3 binary, named as prebuild-install looks for it. */
async function localPrebuild(dir: string): Promise<string> {
  const module = join(ROOT, "node_modules", "better-sqlite3");
  const { version } = JSON.parse(readFileSync(join(module, "package.json"), "utf8")) as { version: string };
  const prebuilds = join(dir, "prebuilds");
  mkdirSync(prebuilds);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await run("tar", ["-czf", join(prebuilds, name), "-C", module, "build/Release/better_sqlite3.node"]);
  return prebuilds;
}

/**
 * Runs the installed command in the app folder, by the link npm made in node_modules/.bin (what `npx flagwire`
 * runs, without npm's own start-up for each command); rejects with its stderr on failure.
 */
async function flagwire(app: string, args: string[], server: string): Promise<string> {
  const bin = join(app, "node_modules", ".bin", "flagwire");
  const { stdout } = await run(process.execPath, [bin, ...args], { cwd: app, env: { ...cleanEnv(), FLAGWIRE_SERVER: server } });
  return stdout.trim();
}

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("FLAGWIRE_")));
}

/** `npx flagwire serve` in the app folder on free loopback ports; resolves with its URLs once it serves. */
function serve(app: string, dbPath: string) {
  const child = spawn("npx", ["--no-install", "flagwire", "serve", "--db", dbPath, "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"], {
    cwd: app,
    env: cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    // A process group of its own: SIGTERM reaches the server under npx, not only npx.
    detached: true,
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const ready = new Promise<{ grpcUrl: string; httpUrl: string }>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === "flagwire serving") resolve({ grpcUrl: `http://${String(entry.grpc)}`, httpUrl: String(entry.http) });
    });
    child.once("exit", (code) => reject(new Error(`npx flagwire serve exited with ${code}: ${stderr}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      process.kill(-(child.pid as number), "SIGTERM");
    });
  return { ready, stop };
}

describe("npm pack: the installable package", () => {
  let work: string;
  let app: string;
  let packed: Awaited<ReturnType<typeof pack>>;
  let installSeconds = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "flagwire-pack-"));
    app = join(work, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "flagwire-pack-test-app", private: true, type: "module" }));
    packed = await pack(work);
    const env = FROM_SOURCE ? cleanEnv() : { ...cleanEnv(), npm_config_better_sqlite3_local_prebuilds: await localPrebuild(work) };
    const started = Date.now();
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", packed.tarball], { cwd: app, env, maxBuffer: 16 * 1024 * 1024 });
    installSeconds = (Date.now() - started) / 1000;
    process.stderr.write(`npm pack: ${(packed.size / 1024).toFixed(0)} KiB, ${packed.files.length} files; npm install ${installSeconds.toFixed(1)} s (${FROM_SOURCE ? "better-sqlite3 compiled" : "local prebuild"})\n`);
  }, 600_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it("holds the built code, its descriptors, README, LICENSE and the service unit, and no tests, sources, bench or maps", () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "LICENSE",
        "packaging/flagwire.service",
        "dist/src/cli/flagwire.js",
        "dist/gen/descriptors.json",
        "dist/src/client/index.js",
        "dist/src/client/index.d.ts",
        "dist/src/client/web.d.ts",
        "dist/src/openfeature/index.js",
        "dist/src/openfeature/index.d.ts",
      ]),
    );
    const unwanted = paths.filter((path) => /\.map$|^(test|bench|src|gen|proto|scripts|dist\/test|dist\/bench)\/|\.ts$/.test(path) && !path.endsWith(".d.ts"));
    expect(unwanted).toEqual([]);
    expect(packed.size).toBeLessThan(1024 * 1024);
  });

  it("installs a working `flagwire` command: serve, then the classic workflow against it", async () => {
    const dbPath = join(work, "flags.db");
    const server = serve(app, dbPath);
    try {
      const { grpcUrl } = await server.ready;
      expect(await flagwire(app, ["add-feature", "dashboard"], grpcUrl)).toMatch(/added feature dashboard, off globally/);
      await flagwire(app, ["add-customer", "101"], grpcUrl);
      expect(await flagwire(app, ["set-flag", "dashboard", "--customer-id", "101", "--enabled"], grpcUrl)).toMatch(/dashboard is on for customer 101/);
      expect(await flagwire(app, ["evaluate", "dashboard", "--customer-id", "101"], grpcUrl)).toMatch(/^on \(customer override\)/);
      expect(await flagwire(app, ["evaluate", "dashboard"], grpcUrl)).toMatch(/^off \(default\)/);
      expect(await flagwire(app, ["list-customers-enabled", "dashboard"], grpcUrl)).toBe("101");
      expect(await flagwire(app, ["list-all-features"], grpcUrl)).toMatch(/dashboard/);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it("serves flagwire/client, flagwire/client/web and flagwire/openfeature to an ESM script, with their types", async () => {
    const dbPath = join(work, "imports.db");
    const server = serve(app, dbPath);
    try {
      const { grpcUrl, httpUrl } = await server.ready;
      writeFileSync(
        join(app, "check.mjs"),
        `
        import { createFlagClient, createFlagCache } from "flagwire/client";
        import { createWebFlagClient } from "flagwire/client/web";
        import { FlagwireProvider } from "flagwire/openfeature";
        import { OpenFeature } from "@openfeature/server-sdk";

        const client = createFlagClient({ baseUrl: ${JSON.stringify(grpcUrl)} });
        await client.createFeature({ name: "checkout", enabled: true });
        const web = createWebFlagClient({ baseUrl: ${JSON.stringify(httpUrl)} });
        const cache = createFlagCache(client);
        await cache.ready;
        await OpenFeature.setProviderAndWait(new FlagwireProvider({ baseUrl: ${JSON.stringify(grpcUrl)} }));
        const details = await OpenFeature.getClient().getBooleanDetails("checkout", false, { targetingKey: "u1" });
        console.log(JSON.stringify({
          client: (await client.evaluate({ feature: "checkout" })).enabled,
          web: (await web.evaluate({ feature: "checkout" })).enabled,
          cache: cache.isEnabled("checkout"),
          provider: { value: details.value, reason: details.reason, variant: details.variant },
        }));
        cache.close();
        await OpenFeature.close();
        `,
      );
      const { stdout } = await run(process.execPath, ["check.mjs"], { cwd: app, env: cleanEnv() });
      expect(JSON.parse(stdout)).toEqual({ client: true, web: true, cache: true, provider: { value: true, reason: "STATIC", variant: "on" } });
    } finally {
      await server.stop();
    }
    // Every entry's declared types are in the installed package.
    const installed = join(app, "node_modules", "flagwire");
    const { exports } = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { exports: Record<string, { types?: string }> };
    const missing = Object.values(exports).flatMap((entry) => (typeof entry === "object" && entry.types ? [entry.types] : [])).filter((types) => !existsSync(join(installed, types)));
    expect(missing).toEqual([]);
  }, 120_000);

  it.runIf(systemd.run)("ships a systemd unit that systemd-analyze verify accepts without a warning", async () => {
    systemd.check();
    // verify checks that ExecStart's command exists: point it at the command this install made.
    const unit = readFileSync(join(app, "node_modules", "flagwire", "packaging", "flagwire.service"), "utf8");
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/flagwire serve /m);
    const dir = join(work, "unit");
    mkdirSync(dir);
    writeFileSync(join(dir, "flagwire.service"), unit.replace("/usr/bin/flagwire", join(app, "node_modules", ".bin", "flagwire")));
    const verified = spawnSync("systemd-analyze", ["verify", join(dir, "flagwire.service")], { encoding: "utf8" });
    // verify exits 0 on lines it ignores: any output is a mistake in the unit.
    expect({ status: verified.status, output: `${verified.stdout}${verified.stderr}`.trim() }).toEqual({ status: 0, output: "" });
  });
});
