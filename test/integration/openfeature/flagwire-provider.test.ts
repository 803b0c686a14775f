import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { OpenFeature, ProviderEvents, ProviderStatus, type Client, type EvaluationContext } from "@openfeature/server-sdk";
import { EvaluationReason, RolloutStickiness, type Feature } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/flag-client.js";
import { createFlagEngine } from "../../../src/engine/flag-engine.js";
import { FlagwireProvider } from "../../../src/openfeature/index.js";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { createRandom, POOL, runRandomMutations, type Random } from "../../support/random-mutations.js";
import { startRestartableTestServer } from "../../support/restartable-test-server.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { sleep } from "../../support/wait-until.js";

/**
 * FlagwireProvider through the stock `@openfeature/server-sdk`: it answers as Evaluate does (values, reasons,
 * variants, metadata), its events follow a server restart (Stale, then Ready, and ConfigurationChanged for every
 * flag whose answer changed meanwhile), and bad input gets OpenFeature's error codes.
 */

const FAST_RETRY = { initialBackoffMs: 50, maxBackoffMs: 200 };
const ALL_FEATURES = [...POOL.features, "never-created"];

/** A random context: a pool id, an unknown id or none for each of user and customer, sometimes an extra attribute. */
function randomContext(random: Random): EvaluationContext {
  const context: EvaluationContext = {};
  const user = random.int(12);
  if (user < POOL.users.length) context.targetingKey = POOL.users[user] as string;
  else if (user === POOL.users.length) context.targetingKey = "u-unknown";
  const customer = random.int(8);
  if (customer < POOL.customers.length) context.customerId = POOL.customers[customer] as string;
  else if (customer === POOL.customers.length) context.customerId = "c-unknown";
  if (random.chance(0.2)) context.plan = "gold"; // not ours: ignored
  return context;
}

/** Every pool context, for pictures of all answers. */
const EVERY_CONTEXT: EvaluationContext[] = [
  {},
  ...POOL.customers.map((customerId) => ({ customerId })),
  ...POOL.users.flatMap((targetingKey) => [{ targetingKey }, ...POOL.customers.map((customerId) => ({ targetingKey, customerId }))]),
];

/** The OpenFeature reason Evaluate's answer maps to (the OFREP mapping). */
function expectedReason(reason: EvaluationReason, feature: Feature): string {
  switch (reason) {
    case EvaluationReason.USER_OVERRIDE:
    case EvaluationReason.CUSTOMER_OVERRIDE:
    case EvaluationReason.SEGMENT:
      return "TARGETING_MATCH";
    case EvaluationReason.ROLLOUT:
      return "SPLIT";
    default: {
      const targeted = feature.customerOverrideCount > 0 || feature.userOverrideCount > 0 || feature.rollout !== undefined || feature.segmentRules.length > 0;
      return targeted ? "DEFAULT" : "STATIC";
    }
  }
}

/** Evaluate's answer in the SDK's terms, or FLAG_NOT_FOUND. */
async function serverDetails(client: FlagClient, features: Map<string, Feature>, name: string, context: EvaluationContext) {
  try {
    const customerId = typeof context.customerId === "string" ? context.customerId : undefined;
    const answer = await client.evaluate({ feature: name, userId: context.targetingKey, customerId });
    const metadata = { reason: EvaluationReason[answer.reason], revision: Number(answer.revision), ...(answer.segment ? { segment: answer.segment } : {}) };
    const feature = features.get(name) as Feature;
    return { value: answer.enabled, variant: answer.enabled ? "on" : "off", reason: expectedReason(answer.reason, feature), flagMetadata: metadata };
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.NotFound) return { value: false, errorCode: "FLAG_NOT_FOUND" };
    throw err;
  }
}

/** The provider's answer, reduced to what Evaluate also says. */
async function providerDetails(flags: Client, name: string, context: EvaluationContext) {
  const details = await flags.getBooleanDetails(name, false, context);
  if (details.errorCode) return { value: details.value, errorCode: details.errorCode };
  return { value: details.value, variant: details.variant, reason: details.reason, flagMetadata: details.flagMetadata };
}

/** Every flag's answers for every pool context, one string per flag. */
async function picture(flags: Client, names: readonly string[]): Promise<Map<string, string>> {
  const answers = new Map<string, string>();
  for (const name of names) {
    const row = await Promise.all(EVERY_CONTEXT.map(async (context) => {
      const details = await flags.getBooleanDetails(name, false, context);
      return `${details.errorCode ?? details.value}/${details.flagMetadata.reason}/${details.flagMetadata.segment}/${details.reason}`;
    }));
    answers.set(name, row.join());
  }
  return answers;
}

function changedBetween(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((name) => before.get(name) !== after.get(name));
}

/** Polls until the provider answers at the server's revision (read through an anchor flag's metadata). */
async function untilCurrent(flags: Client, ts: TestServer, anchor: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await flags.getBooleanDetails(anchor, false)).flagMetadata.revision !== ts.server.engine.revision) {
    if (Date.now() > deadline) throw new Error(`the provider did not reach revision ${ts.server.engine.revision}`);
    await sleep(10);
  }
}

/** Resolves on the next `event` of the SDK client `flags`. */
function next(flags: Client, event: ProviderEvents): Promise<void> {
  return new Promise((resolve) => {
    const handler = () => {
      flags.removeHandler(event, handler);
      resolve();
    };
    flags.addHandler(event, handler);
  });
}

describe("FlagwireProvider with @openfeature/server-sdk", () => {
  let ts: TestServer;
  let writer: FlagClient;
  const random = createRandom();
  const seed = `seed ${random.seed} (rerun with FLAGWIRE_TEST_SEED=${random.seed})`;
  const provide = async (domain: string) => {
    await OpenFeature.setProviderAndWait(domain, new FlagwireProvider({ client: ts.client("grpc"), ...FAST_RETRY }));
    return OpenFeature.getClient(domain);
  };

  beforeAll(async () => {
    ts = await startRestartableTestServer({ heartbeatIntervalMs: 300 });
    writer = ts.client("grpc", "openfeature-test");
    await writer.createFeature({ name: "anchor" });
  });

  afterAll(async () => {
    await OpenFeature.close();
    await ts?.close();
  });

  it("agrees with Evaluate for every feature over 100 random contexts after a random run", async () => {
    const flags = await provide("agreement");
    const writers = (["grpc", "connect"] as const).map((protocol) => ts.client(protocol, "random-run"));
    await runRandomMutations({ clients: writers, random, count: 150, concurrency: 4 });
    // Rules the random run does not write: segments and rollouts, on whatever features it left.
    const names = (await writer.listFeatures({ pageSize: 1000 })).features.map((f) => f.name).filter((n) => n !== "anchor");
    await writer.createSegment({ name: "beta" });
    await writer.createCustomer({ id: "c-beta" }).catch(() => undefined);
    await writer.addSegmentMembers({ segment: "beta", customerIds: ["c-beta"], userIds: [] });
    const [first, second, third] = names;
    if (first) await writer.setSegmentRule({ feature: first, segment: "beta", enabled: true });
    if (second) await writer.setRollout({ feature: second, rollout: { basisPoints: 5000, stickiness: RolloutStickiness.USER } });
    if (third) await writer.setRollout({ feature: third, rollout: { basisPoints: 5000, stickiness: RolloutStickiness.CUSTOMER } });
    await untilCurrent(flags, ts, "anchor");

    const features = new Map((await writer.listFeatures({ pageSize: 1000 })).features.map((f) => [f.name, f]));
    const questions = [...new Set([...features.keys(), ...ALL_FEATURES])];
    const contexts = [{ targetingKey: POOL.users[0], customerId: "c-beta" }, ...Array.from({ length: 99 }, () => randomContext(random))];
    const disagreements: string[] = [];
    const reasons = new Set<string>();
    for (const context of contexts) {
      await Promise.all(questions.map(async (name) => {
        const [server, local] = await Promise.all([serverDetails(writer, features, name, context), providerDetails(flags, name, context)]);
        reasons.add(String(local.reason ?? local.errorCode));
        if (!isDeepStrictEqual(local, server)) disagreements.push(`${name} ${JSON.stringify(context)}: server ${JSON.stringify(server)}, provider ${JSON.stringify(local)}`);
      }));
    }
    expect(disagreements, seed).toEqual([]);
    expect([...reasons].sort(), seed).toEqual(expect.arrayContaining(["DEFAULT", "FLAG_NOT_FOUND", "STATIC", "TARGETING_MATCH"]));
  }, 60_000);

  it("goes Stale when the server stops, Ready once it resumed, with ConfigurationChanged for every flag changed meanwhile", async () => {
    const flags = await provide("restart");
    for (const name of ["r-a", "r-b"]) await writer.createFeature({ name, enabled: name === "r-a" });
    await writer.createCustomer({ id: "r-customer" });
    await untilCurrent(flags, ts, "anchor");
    const changed = new Set<string>();
    flags.addHandler(ProviderEvents.ConfigurationChanged, (details) => details?.flagsChanged?.forEach((name) => changed.add(name)));
    const names = async () => [...new Set([...(await writer.listFeatures({ pageSize: 1000 })).features.map((f) => f.name), ...ALL_FEATURES, "r-new"])];
    const before = await picture(flags, await names());

    const stale = next(flags, ProviderEvents.Stale);
    await ts.server.close();
    await stale;
    expect(flags.providerStatus).toBe(ProviderStatus.STALE);
    // While stale, answers hold at the last revision.
    expect(await flags.getBooleanValue("r-a", false, { customerId: "r-customer" })).toBe(true);
    // Another process writes to the database while no server runs.
    const offline = await createFlagEngine({ store: openSqliteStore({ path: ts.dbPath }) });
    await offline.submit({ kind: "feature.enabled_set", feature: "r-b", enabled: true }, "offline-tool");
    await offline.submit({ kind: "override.set", feature: "r-a", target: { kind: "customer", id: "r-customer" }, enabled: false }, "offline-tool");
    await offline.submit({ kind: "feature.created", feature: "r-new", enabled: true, description: "" }, "offline-tool");
    await offline.submit({ kind: "user.created", userId: "r-user", customerId: "r-customer" }, "offline-tool");
    await offline.close();
    const ready = next(flags, ProviderEvents.Ready);
    await ts.restart();
    await ready;
    expect(flags.providerStatus).toBe(ProviderStatus.READY);
    expect(await flags.getBooleanValue("r-a", true, { targetingKey: "r-user" })).toBe(false);
    expect([...changed]).toEqual(expect.arrayContaining(["r-a", "r-b", "r-new"]));

    // Live again: a random run, and no flag whose answer changed goes unannounced.
    await runRandomMutations({ clients: [ts.client("grpc", "after-restart")], random, count: 80, concurrency: 2 });
    await untilCurrent(flags, ts, "anchor");
    const after = await picture(flags, await names());
    const missed = changedBetween(before, after).filter((name) => !changed.has(name));
    expect(changedBetween(before, after).length, seed).toBeGreaterThan(3);
    expect(missed, seed).toEqual([]);
  }, 60_000);

  it("answers OpenFeature's error codes for unknown flags, other types and malformed contexts, and writes nothing", async () => {
    const flags = await provide("errors");
    await writer.createFeature({ name: "e-on", enabled: true });
    await untilCurrent(flags, ts, "anchor");
    const revision = ts.server.engine.revision;
    const cases: [string, () => Promise<{ value: unknown; errorCode?: string | undefined; errorMessage?: string | undefined }>, unknown, string, RegExp][] = [
      ["unknown flag", () => flags.getBooleanDetails("e-missing", true), true, "FLAG_NOT_FOUND", /flag "e-missing" does not exist/],
      ["string of a boolean flag", () => flags.getStringDetails("e-on", "x"), "x", "TYPE_MISMATCH", /"e-on" is boolean, not string/],
      ["number of a boolean flag", () => flags.getNumberDetails("e-on", 7), 7, "TYPE_MISMATCH", /not number/],
      ["object of a boolean flag", () => flags.getObjectDetails("e-on", { a: 1 }), { a: 1 }, "TYPE_MISMATCH", /not object/],
      ["string of an unknown flag", () => flags.getStringDetails("e-missing", "x"), "x", "FLAG_NOT_FOUND", /does not exist/],
      ["malformed user id", () => flags.getBooleanDetails("e-on", false, { targetingKey: "bad id!" }), false, "INVALID_CONTEXT", /user id "bad id!" is invalid: use 1-128/],
      ["malformed customer id", () => flags.getBooleanDetails("e-on", false, { customerId: "a/b" }), false, "INVALID_CONTEXT", /customer id "a\/b" is invalid/],
      ["customer id not a string", () => flags.getBooleanDetails("e-on", false, { customerId: 101 }), false, "INVALID_CONTEXT", /customerId must be a string, not the number 101/],
    ];
    for (const [what, call, value, errorCode, message] of cases) {
      const details = await call();
      expect({ what, value: details.value, errorCode: details.errorCode }).toEqual({ what, value, errorCode });
      expect(details.errorMessage, what).toMatch(message);
    }
    // Empty ids count as absent, as Evaluate says.
    expect(await flags.getBooleanDetails("e-on", false, { targetingKey: "", customerId: "" })).toMatchObject({ value: true, reason: "STATIC" });
    expect(ts.server.engine.revision).toBe(revision);
  }, 30_000);

  it("fails to initialize with the server's reason when the server refuses the watch", async () => {
    const guarded = await startTestServer({ bootstrapToken: "bootstrap-secret-for-the-openfeature-tests-0123456789" });
    try {
      const provider = new FlagwireProvider({ baseUrl: guarded.grpcUrl, token: "wrong-token-0123456789", ...FAST_RETRY });
      await expect(OpenFeature.setProviderAndWait("refused", provider)).rejects.toThrow(/token/i);
      expect(OpenFeature.getClient("refused").providerStatus).toBe(ProviderStatus.ERROR);
      expect(await OpenFeature.getClient("refused").getBooleanDetails("anything", true)).toMatchObject({ value: true });
    } finally {
      await OpenFeature.clearProviders();
      await guarded.close();
    }
  }, 30_000);
});
