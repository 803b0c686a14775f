import type { Change } from "../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../src/client/create-flag-client.js";
import type { ServerOptions } from "../../src/server/start-server.js";
import { startTestServer, type TestServer } from "./test-server.js";
import { waitUntil } from "./wait-until.js";

/** Several in-process flagwire servers on one database URL: replicas, as a load balancer would see them. */
export interface ReplicaSet {
  replicas: TestServer[];
  /** Resolves once every replica's state holds revision `revision`; rejects naming the laggards after `timeoutMs`. */
  converged(revision: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts `count` servers on the database `url` (loopback, port 0), at the same time, as replicas start behind a balancer. */
export async function startReplicaSet(url: string, count: number, overrides: Partial<ServerOptions> = {}): Promise<ReplicaSet> {
  const replicas = await Promise.all(Array.from({ length: count }, () => startTestServer({ dbPath: url, ...overrides })));
  return {
    replicas,
    async converged(revision, timeoutMs = 10_000) {
      const behind = () => replicas.filter((r) => r.server.engine.revision < revision);
      await waitUntil(`replicas at revision ${revision} (behind: ${behind().map((r) => r.server.engine.revision).join(", ")})`, () => behind().length === 0, timeoutMs);
    },
    async close() {
      await Promise.all(replicas.map((r) => r.close()));
    },
  };
}

/** The whole change log after `since`, every page, through one client. */
export async function listAllChanges(client: FlagClient, since = 0): Promise<Change[]> {
  const changes: Change[] = [];
  let pageToken = "";
  do {
    const page = await client.listChanges({ sinceRevision: BigInt(since), pageSize: 1000, pageToken });
    changes.push(...page.changes);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return changes;
}
