import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { EvaluationReason } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/flag-client.js";
import { createFlagCache, type FlagCache } from "../../../src/client/create-flag-cache.js";
import type { ReconnectEvent } from "../../../src/client/watch-changes.js";
import type { EvaluationContext } from "../../../src/domain/evaluate.js";
import { createFlagEngine } from "../../../src/engine/flag-engine.js";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { createRandom, POOL, runRandomMutations } from "../../support/random-mutations.js";
import { startRestartableTestServer } from "../../support/restartable-test-server.js";
import type { TestServer } from "../../support/test-server.js";
import { sleep, waitUntil } from "../../support/wait-until.js";

/**
 * The client cache (`createFlagCache()`) answers in process exactly as the server's Evaluate does: after random
 * runs, across a server restart, with a features filter, and before it is ready (fallbacks only).
 */

const FAST_RETRY = { initialBackoffMs: 50, maxBackoffMs: 200 };
const UNKNOWN_CUSTOMER = "c-unknown";
const UNKNOWN_USER = "u-unknown";

/** Every context worth asking about: none, each customer, each user, and users with customers (unknown ids included). */
function contexts(): EvaluationContext[] {
  const customers = [...POOL.customers, UNKNOWN_CUSTOMER];
  const users = [...POOL.users, UNKNOWN_USER];
  return [
    {},
    ...customers.map((customerId) => ({ customerId })),
    ...users.map((userId) => ({ userId })),
    ...users.flatMap((userId) => customers.map((customerId) => ({ userId, customerId }))),
  ];
}

/** Evaluate's answer as the cache states it: "on/off REASON", or "unknown" for NOT_FOUND. */
async function serverAnswer(client: FlagClient, feature: string, context: EvaluationContext): Promise<string> {
  try {
    const { enabled, reason } = await client.evaluate({ feature, ...context });
    return `${enabled ? "on" : "off"} ${EvaluationReason[reason]}`;
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.NotFound) return "unknown";
    throw err;
  }
}

function cacheAnswer(cache: FlagCache, feature: string, context: EvaluationContext): string {
  const evaluation = cache.evaluate(feature, context);
  if (!evaluation) return "unknown";
  // isEnabled must agree with evaluate, whatever the fallback.
  expect([cache.isEnabled(feature, context, false), cache.isEnabled(feature, context, true)]).toEqual([evaluation.enabled, evaluation.enabled]);
  return `${evaluation.enabled ? "on" : "off"} ${evaluation.reason}`;
}

/**
 * Asks the server's Evaluate (a few calls in flight at once) about every feature it has, every pool name
 * it may not have, and every context; returns each cache's disagreements (none expected).
 */
async function disagreements(client: FlagClient, caches: readonly FlagCache[], features: readonly string[]): Promise<string[][]> {
  const questions = features.flatMap((feature) => contexts().map((context) => ({ feature, context })));
  const found: string[][] = caches.map(() => []);
  let next = 0;
  const ask = async () => {
    while (next < questions.length) {
      const { feature, context } = questions[next++] as (typeof questions)[number];
      const server = await serverAnswer(client, feature, context);
      caches.forEach((cache, i) => {
        const local = cacheAnswer(cache, feature, context);
        if (local !== server) found[i]?.push(`${feature} ${JSON.stringify(context)}: server ${server}, cache ${local}`);
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, ask));
  return found;
}

async function featureNames(client: FlagClient): Promise<string[]> {
  return (await client.listFeatures({ pageSize: 1000 })).features.map((f) => f.name);
}

describe("createFlagCache(): the client cache", () => {
  let ts: TestServer;
  let client: FlagClient;
  const random = createRandom();
  const seed = `seed ${random.seed} (rerun with FLAGWIRE_TEST_SEED=${random.seed})`;
  const open: FlagCache[] = [];
  const follow = (options: Parameters<typeof createFlagCache>[1] = {}, protocol: "grpc" | "connect" | "grpc-web" = "grpc") => {
    const cache = createFlagCache(ts.client(protocol), { ...FAST_RETRY, ...options });
    open.push(cache);
    return cache;
  };
  const isCurrent = (cache: FlagCache) => cache.revision === ts.server.engine.revision;
  const waitCurrent = (...caches: FlagCache[]) => waitUntil("the caches to reach the server's revision", () => caches.every(isCurrent), 10_000);

  beforeAll(async () => {
    ts = await startRestartableTestServer({ heartbeatIntervalMs: 300 });
    client = ts.client("grpc", "cache-test");
  });

  afterEach(() => {
    for (const cache of open.splice(0)) cache.close();
  });

  afterAll(async () => {
    await ts?.close();
  });

  it("agrees with Evaluate for every feature and context after a random run (live and from a snapshot)", async () => {
    const live = follow({}, "grpc");
    await live.ready;
    const writers = (["grpc", "connect", "grpc-web"] as const).map((protocol) => ts.client(protocol, "random-run"));
    const run = await runRandomMutations({ clients: writers, random, count: 300, concurrency: 4 });
    expect(run.maxRevision, seed).toBeGreaterThan(50);
    const late = follow({}, "grpc-web");
    await late.ready;
    await waitCurrent(live, late);
    const features = [...new Set([...(await featureNames(client)), ...POOL.features, "never-created"])];
    expect(await disagreements(client, [live, late], features), seed).toEqual([[], []]);
  }, 60_000);

  it("resumes after a server restart and picks up changes made while it was away", async () => {
    const reconnects: ReconnectEvent[] = [];
    const cache = follow({ onReconnect: (event) => reconnects.push(event) }, "connect");
    await cache.ready;
    await ts.server.close();
    // Another process writes to the database while no server runs.
    const offline = await createFlagEngine({ store: openSqliteStore({ path: ts.dbPath }) });
    await offline.submit({ kind: "feature.created", feature: "made-offline", enabled: true, description: "" }, "offline-tool");
    await offline.submit({ kind: "customer.created", customerId: "offline-customer" }, "offline-tool");
    await offline.submit({ kind: "override.set", feature: "made-offline", target: { kind: "customer", id: "offline-customer" }, enabled: false }, "offline-tool");
    await offline.close();
    await ts.restart();
    await runRandomMutations({ clients: [ts.client("grpc", "after-restart")], random, count: 60, concurrency: 2 });
    await waitCurrent(cache);
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
    expect(cache.evaluate("made-offline", { customerId: "offline-customer" })).toMatchObject({ enabled: false, reason: "CUSTOMER_OVERRIDE" });
    const features = [...new Set([...(await featureNames(client)), ...POOL.features, "made-offline"])];
    expect(await disagreements(client, [cache], features), seed).toEqual([[]]);
  }, 30_000);

  it("with a features filter knows those features only, and follows them through renames", async () => {
    await client.createFeature({ name: "filter-a", enabled: true });
    await client.createFeature({ name: "filter-b" });
    await client.createFeature({ name: "filter-c", enabled: true });
    await client.createCustomer({ id: "filter-customer" });
    await client.setOverride({ feature: "filter-b", target: { kind: { case: "customerId", value: "filter-customer" } }, enabled: true });
    const cache = follow({ features: ["filter-a", "filter-b", "filter-later"] });
    await cache.ready;
    await client.renameFeature({ name: "filter-a", newName: "filter-a2" });
    await client.createFeature({ name: "filter-later", enabled: true });
    await client.setFeatureEnabled({ name: "filter-c", enabled: false });
    // Customer changes reach every filtered watcher: this one brings the cache to the server's revision.
    await client.createCustomer({ id: "filter-barrier" });
    await waitCurrent(cache);
    const followed = ["filter-a2", "filter-b", "filter-later"];
    expect(await disagreements(client, [cache], followed)).toEqual([[]]);
    const everyFeature = await featureNames(client);
    const unfollowed = everyFeature.filter((name) => !followed.includes(name));
    expect(unfollowed).toContain("filter-c");
    for (const name of [...unfollowed, "filter-a"]) {
      expect([cache.evaluate(name), cache.isEnabled(name, {}, true), cache.isEnabled(name)], name).toEqual([undefined, true, false]);
    }
  }, 20_000);

  it("with a features filter still follows a renamed feature after a reconnection", async () => {
    await client.createFeature({ name: "renamed-before" });
    const cache = follow({ features: ["renamed-before"] });
    await cache.ready;
    await client.renameFeature({ name: "renamed-before", newName: "renamed-after" });
    await waitCurrent(cache);
    expect(cache.evaluate("renamed-after")).toMatchObject({ enabled: false, reason: "DEFAULT" });
    await ts.restart();
    await client.setFeatureEnabled({ name: "renamed-after", enabled: true });
    await client.createCustomer({ id: "rename-barrier" });
    await waitCurrent(cache);
    expect(cache.evaluate("renamed-after")).toMatchObject({ enabled: true, reason: "DEFAULT" });
  }, 20_000);

  it("resolves ready only once the whole state is loaded and current, waiting for a server that is down", async () => {
    const feature = (await featureNames(client))[0];
    expect(feature).toBeDefined();
    await ts.server.close();
    const cache = follow({}, "grpc");
    let ready = false;
    void cache.ready.then(() => (ready = true));
    await sleep(400);
    expect(ready).toBe(false);
    expect(cache.revision).toBe(0);
    expect([cache.evaluate(feature as string), cache.isEnabled(feature as string, {}, true)]).toEqual([undefined, true]);
    await ts.restart();
    await cache.ready;
    // Nothing is written meanwhile: the moment it is ready, it is at the server's revision and agrees.
    expect(cache.revision).toBe(ts.server.engine.revision);
    expect(await disagreements(client, [cache], [feature as string])).toEqual([[]]);
  }, 20_000);

  it("answers the fallback for a feature it does not know, or no longer knows", async () => {
    await client.createFeature({ name: "short-lived", enabled: true });
    const cache = follow();
    await cache.ready;
    expect(cache.isEnabled("short-lived")).toBe(true);
    await client.deleteFeature({ name: "short-lived" });
    await waitCurrent(cache);
    for (const name of ["short-lived", "no-such-feature"]) {
      expect(cache.evaluate(name, { customerId: "c1" }), name).toBeUndefined();
      expect(cache.isEnabled(name), name).toBe(false);
      expect(cache.isEnabled(name, { userId: "u1", customerId: "c1" }, true), name).toBe(true);
    }
  });
});
