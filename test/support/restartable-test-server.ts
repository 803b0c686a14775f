import type { ServerOptions } from "../../src/server/start-server.js";
import { freePort } from "./free-port.js";
import { startTestServer, type TestServer } from "./test-server.js";

/**
 * A test server whose `restart()` comes back on the same ports, as a real server does: clients built
 * before the restart (and their reconnection logic) reach the new process.
 */
export async function startRestartableTestServer(overrides: Partial<ServerOptions> = {}): Promise<TestServer> {
  const grpcPort = await freePort();
  const httpPort = await freePort(); // never the same as grpcPort: freePort does not repeat itself
  return startTestServer({ grpcListen: `127.0.0.1:${grpcPort}`, httpListen: `127.0.0.1:${httpPort}`, ...overrides });
}
