import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFlagClient } from "../../../src/client/create-flag-client.js";
import { openRawWatch } from "../../support/raw-watch.js";
import { onLoopback, runCli, spawnServe, startCli, startServe } from "../../support/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "flagwire-serve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("flagwire serve as a process", () => {
  it("starts on the given database, serves both ports, and stops cleanly on SIGTERM", async () => {
    const db = join(dir, "feature_flags.db");
    const server = await startServe(["--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"], { env: { FLAGWIRE_DB: db } });
    const { started, logged } = server;
    expect(existsSync(db)).toBe(true);

    const grpc = createFlagClient({ baseUrl: `http://${started.grpc as string}` });
    const connect = createFlagClient({ baseUrl: started.http as string, protocol: "connect" });
    await grpc.createFeature({ name: "dashboard", enabled: true });
    expect((await connect.getFeature({ name: "dashboard" })).feature?.enabled).toBe(true);

    expect(await server.stop()).toBe(0);
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
    const server = spawnServe(onLoopback(join(dir, "limits.db"), "--max-streams", "1", "--max-connections", "50"));
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
    const server = spawnServe(onLoopback(join(dir, "limits-bad.db"), "--watch-byte-limit", "0"));
    const exit = await server.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/option '--watch-byte-limit <bytes>' argument '0' is invalid\. "0" is not a positive number of bytes/);
  });
});

/** Runs `flagwire serve <args>` until it exits (it is expected to refuse to start). */
const serveExit = (args: string[]) => runCli(["serve", ...args]);

describe("flagwire serve refuses a listen address it cannot use, before it touches the database", () => {
  it.each([
    { flag: "--grpc-listen", other: "--http-listen" },
    { flag: "--http-listen", other: "--grpc-listen" },
  ])("a port already taken, for $flag: names the address and the flag, creates no database", async ({ flag, other }) => {
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const address = `127.0.0.1:${(taken.address() as AddressInfo).port}`;
    try {
      const db = join(dir, `taken-${flag.slice(2)}.db`);
      const result = await serveExit(["--db", db, flag, address, other, "127.0.0.1:0"]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`${address} is already in use`);
      expect(result.stderr).toContain(`choose another address with ${flag}`);
      expect(result.stderr).not.toMatch(/resolved errors|EADDRINUSE/);
      expect(existsSync(db)).toBe(false);
    } finally {
      taken.close();
    }
  });

  it.each(["--grpc-listen", "--http-listen"])("an address without a host, for %s: a usage error that says so", async (flag) => {
    const db = join(dir, "no-host.db");
    const result = await serveExit(["--db", db, flag, ":51060"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`listen address ":51060" has no host: write 127.0.0.1:51060 for this machine only, or 0.0.0.0:51060 for every interface`);
    expect(result.stderr).not.toContain("[object Object]");
    expect(existsSync(db)).toBe(false);
  });
});

describe("flagwire serve says where it serves, in plain words", () => {
  it("prints one line for people on stderr (addresses with scheme, the database's absolute path, auth), JSON on stdout", async () => {
    const server = startCli(["serve", "--db", "plain.db", "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"], { cwd: dir });
    const { stdout } = server;
    const [line] = await server.waitForLines("stderr", /^/);
    expect(line).toMatch(
      new RegExp(
        `^flagwire serving gRPC on grpc://127\\.0\\.0\\.1:\\d+ and Connect/gRPC-Web on http://127\\.0\\.0\\.1:\\d+, ` +
          `database ${join(dir, "plain.db").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, auth off \\(loopback only\\)$`,
      ),
    );
    expect(await server.interrupt()).toBe(0);
    // Every stdout line is still JSON, for log shippers.
    for (const entry of stdout) expect(() => JSON.parse(entry) as unknown, entry).not.toThrow();
    expect(stdout.map((entry) => (JSON.parse(entry) as { msg: string }).msg)).toContain("stopped");
  });
});
