import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { createFlagClient } from "../src/client/create-flag-client.js";
import { openRawWatch } from "./support/raw-watch.js";
import { spawnServe } from "./support/serve-child.js";

// `npm test` builds first (pretest), so this runs the same entry point as `npm start`.
const CLI = join(import.meta.dirname, "..", "dist", "src", "cli", "flagwire.js");
const dir = mkdtempSync(join(tmpdir(), "flagwire-serve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("flagwire serve as a process", () => {
  it("starts on the given database, serves both ports, and stops cleanly on SIGTERM", async () => {
    const db = join(dir, "feature_flags.db");
    const child = spawn(process.execPath, [CLI, "serve", "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"], {
      env: { ...process.env, FLAGWIRE_DB: db },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout });
    const logged: Record<string, unknown>[] = [];
    const serving = new Promise<Record<string, unknown>>((resolve) => {
      lines.on("line", (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logged.push(entry);
        if (entry.msg === "flagwire serving") resolve(entry);
      });
    });
    const started = await serving;
    expect(existsSync(db)).toBe(true);

    const grpc = createFlagClient({ baseUrl: `http://${started.grpc as string}` });
    const connect = createFlagClient({ baseUrl: started.http as string, protocol: "connect" });
    await grpc.createFeature({ name: "dashboard", enabled: true });
    expect((await connect.getFeature({ name: "dashboard" })).feature?.enabled).toBe(true);

    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(logged.map((e) => e.msg)).toContain("stopped");
    // One structured line per RPC: method, code, duration.
    expect(logged.find((e) => e.method === "flagwire.v1.FeatureFlagService/CreateFeature")).toMatchObject({
      code: "ok",
      protocol: "grpc",
    });
  });
});

describe("flagwire serve limits", () => {
  it("--max-streams reaches the server", async () => {
    const server = spawnServe(join(dir, "limits.db"), { args: ["--max-streams", "1", "--max-connections", "50"] });
    try {
      const { httpUrl } = await server.ready;
      const port = Number(new URL(httpUrl).port);
      const first = openRawWatch(port, "connect+json");
      const client = createFlagClient({ baseUrl: httpUrl, protocol: "connect" });
      const watch = client.watchChanges({})[Symbol.asyncIterator]();
      const second = await watch.next().then(
        () => "open",
        (err: unknown) => String(err),
      );
      expect(second).toMatch(/resource_exhausted\] the server already has 1 streams open, the most it allows/);
      first.close();
    } finally {
      server.child.kill("SIGKILL");
      await server.exited;
    }
  });

  it("refuses a limit that is not a positive number, naming the flag", async () => {
    const server = spawnServe(join(dir, "limits-bad.db"), { args: ["--watch-byte-limit", "0"] });
    const exit = await server.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/option '--watch-byte-limit <bytes>' argument '0' is invalid\. "0" is not a positive number of bytes/);
  });
});
