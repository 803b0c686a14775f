import { createServer } from "node:net";
import type { ServerOptions } from "../../src/server/start-server.js";
import { startTestServer, type TestServer } from "./test-server.js";

/** A loopback port that was free a moment ago. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port from the probe listener");
  return address.port;
}

/**
 * A test server whose `restart()` comes back on the same ports, as a real server does: clients built
 * before the restart (and their reconnection logic) reach the new process.
 */
export async function startRestartableTestServer(overrides: Partial<ServerOptions> = {}): Promise<TestServer> {
  const grpcPort = await freePort();
  let httpPort = await freePort();
  while (httpPort === grpcPort) httpPort = await freePort();
  return startTestServer({ grpcListen: `127.0.0.1:${grpcPort}`, httpListen: `127.0.0.1:${httpPort}`, ...overrides });
}
