import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { dumpState } from "../../support/state-dump.js";
import { freePort } from "../../support/free-port.js";
import { runCli } from "../../support/run-cli.js";

let ts: TestServer;
let closedPort: number;
beforeAll(async () => {
  ts = await startTestServer();
  closedPort = await freePort();
  const client = ts.client();
  await client.createFeature({ name: "dashboard", enabled: true });
  await client.createCustomer({ id: "101" });
});
afterAll(() => ts.close());

const ISSUE_COMMANDS = ["serve", "add-feature", "remove-feature", "rename-feature", "set-global", "list-all-features", "add-customer", "remove-customer",
  "add-user", "remove-user", "set-flag", "clear-flag", "evaluate", "list-features", "list-customers", "list-customers-enabled", "list-customers-disabled",
  "watch", "history"];
const server = () => ({ FLAGWIRE_SERVER: ts.grpcUrl });

describe.concurrent("flagwire exit codes", { timeout: 30_000 }, () => {
  // 2: the command line is wrong; nothing is sent, and the usage is printed with the reason.
  it.each([
    { args: [], error: undefined, usage: "Usage: flagwire [options] [command]" },
    { args: ["frobnicate"], error: "error: unknown command 'frobnicate'", usage: "Usage: flagwire [options] [command]" },
    { args: ["evaluate", "dashboard", "--bogus"], error: "error: unknown option '--bogus'", usage: "Usage: flagwire evaluate" },
    { args: ["evaluate"], error: "error: missing required argument 'feature'", usage: "Usage: flagwire evaluate" },
    { args: ["rename-feature", "dashboard"], error: "error: missing required argument 'new-name'", usage: "Usage: flagwire rename-feature" },
    { args: ["set-global", "dashboard"], error: "error: give one of --enabled or --disabled", usage: "Usage: flagwire set-global" },
    { args: ["set-flag", "dashboard", "--customer-id", "101"], error: "error: give one of --enabled or --disabled", usage: "Usage: flagwire set-flag" },
    { args: ["clear-flag", "dashboard"], error: "error: give one of --customer-id or --user-id", usage: "Usage: flagwire clear-flag" },
    {
      args: ["set-flag", "dashboard", "--customer-id", "101", "--user-id", "456", "--enabled"],
      error: "error: option '--customer-id <id>' cannot be used with option '--user-id <id>'",
      usage: "Usage: flagwire set-flag",
    },
    {
      args: ["add-feature", "x", "--default-enabled", "--default-disabled"],
      error: "error: option '--default-enabled' cannot be used with option '--default-disabled'",
      usage: "Usage: flagwire add-feature",
    },
    { args: ["history", "--since", "abc"], error: `error: option '--since <revision>' argument 'abc' is invalid. "abc" is not a whole number of at least 0`, usage: "Usage: flagwire history" },
    { args: ["history", "--limit", "0"], error: `error: option '--limit <n>' argument '0' is invalid. "0" is not a whole number of at least 1`, usage: "Usage: flagwire history" },
    { args: ["list-all-features", "--server", "ftp://h:1"], error: "is not a server address: use http:// or https://", usage: "Usage: flagwire list-all-features" },
    { args: ["add-feature", "x", "--actor", "josé"], error: `"josé" is not a valid actor: use 1-128 printable ASCII characters`, usage: "Usage: flagwire add-feature" },
    { args: ["list-all-features", "--protocol", "carrier-pigeon"], error: "error: option '--protocol <protocol>' argument 'carrier-pigeon' is invalid.", usage: "Usage: flagwire list-all-features" },
  ])("2 for flagwire $args", async ({ args, error, usage }) => {
    const result = await runCli(args, { env: server() });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    if (error) expect(result.stderr.split("\n")[0]).toContain(error);
    expect(result.stderr).toContain(usage);
    if (error) {
      // The reason, one usage line and where the rest is: not the whole help.
      const command = usage.replace("Usage: ", "").split(" [")[0];
      expect(result.stderr.trimEnd().split("\n")).toHaveLength(3);
      expect(result.stderr).toContain(`Run \`${command} --help\` for the options and examples.`);
      expect(result.stderr).not.toContain("Options:");
    }
  });

  it("2, not 3, for a usage error found by the command itself when no server listens", async () => {
    const result = await runCli(["set-global", "dashboard"], { env: { FLAGWIRE_SERVER: `http://127.0.0.1:${closedPort}` } });
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe("error: give one of --enabled or --disabled");
  });

  it("2 when the server address is malformed, from the environment too", async () => {
    const result = await runCli(["list-all-features"], { env: { FLAGWIRE_SERVER: "http://" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`"http://" is not a server address`);
  });

  // 3: nothing answers; stderr names the address tried and how to start a server.
  it.each([
    { how: "--server", args: ["list-all-features", "--server", "127.0.0.1:PORT"], env: {} },
    { how: "FLAGWIRE_SERVER", args: ["evaluate", "dashboard"], env: { FLAGWIRE_SERVER: "http://127.0.0.1:PORT" } },
    { how: "watch", args: ["watch", "--server", "http://127.0.0.1:PORT"], env: {} },
    { how: "watch --since", args: ["watch", "--since", "0", "--server", "http://127.0.0.1:PORT"], env: {} },
    { how: "--json", args: ["evaluate", "dashboard", "--json", "--server", "http://127.0.0.1:PORT"], env: {} },
  ])("3 when no server listens ($how)", async ({ args, env }) => {
    const port = String(closedPort);
    const result = await runCli(
      args.map((arg) => arg.replace("PORT", port)),
      { env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace("PORT", port)])) },
    );
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`error: cannot reach a flagwire server at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port})`);
    expect(result.stderr).toContain("Start one with `flagwire serve` (or `npm start`");
  });

  it("3 when the address is a listener of another protocol, with a hint", async () => {
    const result = await runCli(["list-all-features", "--server", ts.httpUrl]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: cannot reach a flagwire server at ${ts.httpUrl} (it does not speak grpc`);
    expect(result.stderr).toContain("add --protocol connect");
  });

  it("0, through the HTTP port with --protocol connect", async () => {
    const result = await runCli(["evaluate", "dashboard", "--customer-id", "101", "--protocol", "connect", "--server", ts.httpUrl]);
    expect(result).toEqual({ code: 0, signal: null, stdout: "on (default)\n", stderr: "" });
  });
});

// Sequential: each compares the whole stored state before and after.
describe("flagwire exit code 1", { timeout: 30_000 }, () => {
  // 1: the server refused; stderr names the gRPC status and the server's reason, and nothing changed.
  it.each([
    { args: ["evaluate", "dashbord"], stderr: 'error: NOT_FOUND: feature "dashbord" not found\n' },
    { args: ["add-feature", "dashboard"], stderr: 'error: ALREADY_EXISTS: feature "dashboard" already exists\n' },
    { args: ["add-customer", "a b"], stderr: /^error: INVALID_ARGUMENT: customer id "a b" is invalid: .+\n$/ },
    { args: ["set-flag", "dashboard", "--user-id", "nobody", "--enabled"], stderr: 'error: NOT_FOUND: user "nobody" not found\n' },
    { args: ["list-features", "999"], stderr: 'error: NOT_FOUND: customer "999" not found\n' },
  ])("1 for flagwire $args", async ({ args, stderr }) => {
    const before = await dumpState(ts.client());
    const result = await runCli(args, { env: server() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    if (typeof stderr === "string") expect(result.stderr).toBe(stderr);
    else expect(result.stderr).toMatch(stderr);
    expect(await dumpState(ts.client())).toEqual(before);
  });
});

describe("flagwire --help", () => {
  it("lists every command, and each has its own help with an example of itself", async () => {
    const root = await runCli(["--help"]);
    expect(root.code).toBe(0);
    const commandList = root.stdout.slice(0, root.stdout.indexOf("\nExamples:"));
    const names = [...commandList.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]!).filter((name) => name !== "help");
    // Every command of the issue; commands added later are checked the same way.
    expect(names).toEqual(expect.arrayContaining(ISSUE_COMMANDS));
    expect(root.stdout).toMatch(/Examples:\n {2}flagwire serve\n/);
    const helps = [];
    // Four processes at a time: CI has two cores.
    for (let i = 0; i < names.length; i += 4) {
      helps.push(...(await Promise.all(names.slice(i, i + 4).map(async (name) => ({ name, ...(await runCli([name, "--help"])) })))));
    }
    for (const help of helps) {
      expect(help.code, help.name).toBe(0);
      expect(help.stdout, help.name).toContain(`Usage: flagwire ${help.name} `);
      expect(help.stdout, help.name).toMatch(new RegExp(`Examples?:\\n  flagwire ${help.name}\\b`));
    }
  }, 60_000);
});
