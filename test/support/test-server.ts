import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import {
  createFlagClient,
  createTokenClient,
  type FlagClient,
  type FlagClientProtocol,
  type TokenClient,
} from "../../src/client/create-flag-client.js";
import type { ChangeData } from "../../src/domain/change.js";
import { openStore } from "../../src/store/open-store.js";
import { startServer, type RunningServer, type ServerOptions } from "../../src/server/start-server.js";

/** A real server on loopback ports with a temp database file (or the database given), plus clients for it. */
export interface TestServer {
  server: RunningServer;
  dbPath: string;
  grpcUrl: string;
  httpUrl: string;
  /** A client of the given protocol (default: Connect over HTTP/1.1 with binary protobuf), with an API token if given. */
  client(protocol?: FlagClientProtocol, actor?: string, token?: string): FlagClient;
  /** A TokenService client of the given protocol, with an API token if given. */
  tokenClient(protocol?: FlagClientProtocol, token?: string): TokenClient;
  /** Stops the server and starts a new one on the same database file. */
  restart(): Promise<void>;
  /** Stops the server and removes the temp directory. */
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1:0 (both listeners) with a fresh SQLite file in a temp dir. `seed` changes
 * are committed first in one transaction (one fsync instead of one per change), for large fixtures.
 */
export async function startTestServer(overrides: Partial<ServerOptions> = {}, seed: readonly ChangeData[] = []): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-test-"));
  // A test may give its own database (a PostgreSQL URL, see test-backends.ts); the temp file is the default.
  const dbPath = overrides.dbPath ?? join(dir, "flags.db");
  if (seed.length > 0) {
    const store = await openStore(dbPath);
    await store.flags.write(0, (_missed, writer) => {
      for (const data of seed) writer.append(data, null, Date.now());
    });
    await store.close();
  }
  const logger = pino({ level: process.env.FLAGWIRE_TEST_LOG ?? "silent" });
  const options: ServerOptions = {
    dbPath,
    grpcListen: "127.0.0.1:0",
    httpListen: "127.0.0.1:0",
    logger,
    shutdownGraceMs: 1000,
    ...overrides,
  };
  let server = await startServer(options);
  const urls = () => ({ grpcUrl: `http://127.0.0.1:${server.grpcPort}`, httpUrl: `http://127.0.0.1:${server.httpPort}` });
  const handle: TestServer = {
    server,
    dbPath,
    ...urls(),
    client(protocol = "connect", actor, token) {
      const baseUrl = protocol === "grpc" ? handle.grpcUrl : handle.httpUrl;
      return createFlagClient({ baseUrl, protocol, ...(actor ? { actor } : {}), ...(token ? { token } : {}) });
    },
    tokenClient(protocol = "connect", token) {
      const baseUrl = protocol === "grpc" ? handle.grpcUrl : handle.httpUrl;
      return createTokenClient({ baseUrl, protocol, ...(token ? { token } : {}) });
    },
    async restart() {
      await server.close();
      server = await startServer(options);
      Object.assign(handle, { server, ...urls() });
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
