import { once } from "node:events";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../support/run-cli.js";

// A port that accepts the connection and never answers (a hung server, a proxy with nothing behind it) must not
// hang the CLI: every call has a deadline (--timeout), and running out of it is "server unreachable", exit 3.

let silent: Server;
const sockets = new Set<Socket>();
let server: string;
beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    // Reads whatever the client sends, answers nothing.
    socket.resume();
  }).listen(0, "127.0.0.1");
  await once(silent, "listening");
  server = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  silent.close();
  await once(silent, "close");
});

describe.concurrent("flagwire against a server that accepts and never answers", { timeout: 30_000 }, () => {
  it.each([
    { protocol: "grpc", args: ["list-all-features"] },
    { protocol: "connect", args: ["list-all-features"] },
    { protocol: "grpc-web", args: ["list-all-features"] },
    { protocol: "grpc", args: ["evaluate", "dashboard", "--customer-id", "101"] },
    { protocol: "connect", args: ["add-feature", "dashboard"] },
    { protocol: "grpc", args: ["watch"] },
    { protocol: "grpc-web", args: ["watch", "--since", "0"] },
  ])("exits 3 after --timeout: $protocol $args", async ({ protocol, args }) => {
    const result = await runCli([...args, "--server", server, "--protocol", protocol, "--timeout", "1"]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(`cannot reach a flagwire server at ${server} (no answer within 1 s`);
    expect(result.stderr).toContain("--timeout");
  });

  it("FLAGWIRE_TIMEOUT sets the deadline too", async () => {
    const result = await runCli(["list-all-features", "--server", server], { env: { FLAGWIRE_TIMEOUT: "0.5" } });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain("no answer within 0.5 s");
  });

  it.each(["0", "-1", "abc"])("--timeout %s is a usage error", async (value) => {
    const result = await runCli(["list-all-features", "--server", server, "--timeout", value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`"${value}" is not a positive number of seconds`);
  });
});
