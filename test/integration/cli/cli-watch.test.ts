import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { freePort } from "../../support/free-port.js";
import { CLI, runCli, startCli, type CliChild } from "../../support/run-cli.js";
import { PROTOCOLS } from "../../support/protocols.js";

const CHANGE_LINE = /^\d+ +\S+Z +\S+ +[a-z-]+ /;
const running: CliChild[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  for (const watcher of running.splice(0)) watcher.child.kill("SIGKILL");
  await Promise.all(servers.splice(0).map((ts) => ts.close()));
});

/** A server on fixed ports, so that after ts.restart() it is found at the same address. */
async function serverOnFixedPorts(): Promise<TestServer> {
  const ts = await startTestServer({ grpcListen: `127.0.0.1:${await freePort()}`, httpListen: `127.0.0.1:${await freePort()}` });
  servers.push(ts);
  return ts;
}

function watch(args: string[], ts: TestServer, env: Record<string, string> = {}): CliChild {
  const watcher = startCli(["watch", ...args], { env: { FLAGWIRE_SERVER: ts.grpcUrl, ...env } });
  running.push(watcher);
  return watcher;
}

describe("flagwire watch", () => {
  it("shows changes made by another flagwire, resumes after the server restarts, and exits 0 on Ctrl-C", async () => {
    const ts = await serverOnFixedPorts();
    const env = { FLAGWIRE_SERVER: ts.grpcUrl };
    await runCli(["add-feature", "dashboard"], { env }); // revision 1, before the watch: not shown
    const watcher = watch([], ts);
    await watcher.waitForLines("stderr", /^\(watching changes after revision 1; Ctrl-C to stop\)$/);

    expect((await runCli(["set-global", "dashboard", "--enabled", "--actor", "alice"], { env })).code).toBe(0);
    const [first] = await watcher.waitForLines("stdout", CHANGE_LINE);
    expect(first).toMatch(/^2 +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +alice +feature-enabled-set +dashboard +- +on$/);

    await ts.restart();
    // Made while the watch is disconnected or reconnecting: it must arrive once, by replay or live.
    await ts.client("grpc", "bob").createCustomer({ id: "101" });
    await watcher.waitForLines("stderr", /^\(connection lost: UNAVAILABLE: .*; reconnecting in \d+\.\d s, resuming after revision 2\)$/);
    expect((await runCli(["set-flag", "dashboard", "--customer-id", "101", "--disabled"], { env: { ...env, FLAGWIRE_ACTOR: "carol" } })).code).toBe(0);
    await watcher.waitForLines("stdout", CHANGE_LINE, 3);

    expect(await watcher.interrupt()).toBe(0);
    expect(watcher.stdout.map((line) => line.replace(/\S+Z/, "<time>"))).toEqual([
      "2         <time>  alice         feature-enabled-set  dashboard         -               on",
      "3         <time>  bob           customer-created     -                 customer:101",
      "4         <time>  carol         override-set         dashboard         customer:101    off",
    ]);
  }, 60_000);

  it("--since replays the log first; --json prints one JSON line per message", async () => {
    const ts = await serverOnFixedPorts();
    const client = ts.client("grpc", "ops");
    await client.createFeature({ name: "dashboard", enabled: true });
    await client.createCustomer({ id: "101" });
    const watcher = watch(["--since", "1", "--feature", "dashboard", "--json"], ts);
    // Heartbeats may come between changes once the server sends them; the changes are what counts here.
    await watcher.waitForLines("stdout", /"change"/);
    await client.setOverride({ feature: "dashboard", target: { kind: { case: "customerId", value: "101" } }, enabled: false });
    await watcher.waitForLines("stdout", /"change"/, 2);
    expect(await watcher.interrupt()).toBe(0);

    const messages = watcher.stdout.map((line) => JSON.parse(line) as { change?: { revision: string; kind: string; actor: string } });
    expect(messages.filter((m) => m.change).map((m) => [m.change!.revision, m.change!.kind, m.change!.actor])).toEqual([
      ["2", "CHANGE_KIND_CUSTOMER_CREATED", "ops"],
      ["3", "CHANGE_KIND_OVERRIDE_SET", "ops"],
    ]);
    expect(watcher.stderr).toEqual([]);
  }, 30_000);

  it("a --since from the future is refused with exit 1", async () => {
    const ts = await serverOnFixedPorts();
    const result = await runCli(["watch", "--since", "99"], { env: { FLAGWIRE_SERVER: ts.grpcUrl } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: FAILED_PRECONDITION: .*99/m);
  }, 30_000);

  it.each(PROTOCOLS)(
    "--timeout limits only the start of the stream: an idle %s watch stays open past it",
    async (protocol) => {
      const ts = await serverOnFixedPorts();
      const server = protocol === "grpc" ? ts.grpcUrl : ts.httpUrl;
      const watcher = watch(["--timeout", "0.5", "--protocol", protocol, "--server", server], ts);
      await watcher.waitForLines("stderr", /^\(watching changes after revision 0; Ctrl-C to stop\)$/);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // idle, three times the timeout
      await ts.client("grpc", "alice").createFeature({ name: "dashboard" });
      await watcher.waitForLines("stdout", CHANGE_LINE);
      expect(watcher.stderr.filter((line) => line.includes("connection lost"))).toEqual([]);
      expect(await watcher.interrupt()).toBe(0);
    },
    30_000,
  );

  it("exits 0 on Ctrl-C from a terminal: SIGINT to its whole process group", async () => {
    const ts = await serverOnFixedPorts();
    const child = spawn(process.execPath, [CLI, "watch", "--server", ts.grpcUrl], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    await new Promise<void>((resolve) => child.stderr.on("data", (chunk: Buffer) => chunk.toString().includes("Ctrl-C") && resolve()));
    process.kill(-child.pid!, "SIGINT");
    expect(await exited).toEqual([0, null]);
  }, 30_000);
});
