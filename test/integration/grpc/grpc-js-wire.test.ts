import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { startTestServer, type TestServer } from "../../support/test-server.js";

/**
 * Wire compatibility with a stack that shares no code with the server: the contract is loaded from the
 * .proto files by @grpc/proto-loader (protobuf.js) and called through a plain @grpc/grpc-js client.
 */

const LOADER_OPTIONS: protoLoader.Options = { includeDirs: ["proto"], keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };
const ACTOR = "wire-test";
const STEP_MS = 2_000;

// Shapes as proto-loader decodes them with the options above: int64 as string, enums by name.
interface Target {
  customerId?: string;
  userId?: string;
  kind?: "customerId" | "userId";
}
interface Feature {
  name: string;
  enabled: boolean;
  description: string;
  customerOverrideCount: number;
  userOverrideCount: number;
}
interface Timestamp {
  seconds: string;
  nanos: number;
}
interface Change {
  revision: string;
  time: Timestamp | null;
  kind: string;
  feature: string;
  target: Target | null;
  enabled: boolean;
  newName: string;
  customerId: string;
  actor: string;
}
interface Revisioned {
  revision: string;
}

type UnaryCallback = (err: grpc.ServiceError | null, response?: unknown) => void;
type UnaryMethod = (request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: UnaryCallback) => grpc.ClientUnaryCall;
type StreamMethod = (request: object, metadata?: grpc.Metadata) => grpc.ClientReadableStream<unknown>;

function serviceClient(file: string, path: string[], address: string): grpc.Client {
  let node: grpc.GrpcObject | grpc.ServiceClientConstructor = grpc.loadPackageDefinition(protoLoader.loadSync(file, LOADER_OPTIONS));
  for (const name of path) node = (node as grpc.GrpcObject)[name] as grpc.GrpcObject | grpc.ServiceClientConstructor;
  const Client = node as grpc.ServiceClientConstructor;
  return new Client(address, grpc.credentials.createInsecure());
}

function actorMetadata(actor: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (actor) metadata.set("x-flagwire-actor", actor);
  return metadata;
}

/** Calls a unary method by its (camelCase) name; rejects with the grpc-js ServiceError. */
function unary<T>(client: grpc.Client, method: string, request: object, actor: string | undefined = ACTOR): Promise<T> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method];
  if (!fn) throw new Error(`no method ${method} on the client`);
  return new Promise<T>((resolve, reject) => {
    fn.call(client, request, actorMetadata(actor), { deadline: Date.now() + STEP_MS }, (err, response) =>
      err ? reject(err) : resolve(response as T),
    );
  });
}

/** A server stream read one message at a time, with a bounded wait for each. */
function streamReader<T>(stream: grpc.ClientReadableStream<T>, keep: (value: T) => boolean = () => true) {
  const buffered: T[] = [];
  const waiting: ((value: T) => void)[] = [];
  const status = new Promise<grpc.StatusObject>((resolve) => {
    stream.on("status", resolve);
  });
  stream.on("data", (value: T) => {
    if (!keep(value)) return;
    const next = waiting.shift();
    if (next) next(value);
    else buffered.push(value);
  });
  stream.on("error", () => undefined); // the code and message are checked on "status"
  return {
    buffered,
    status,
    cancel: () => stream.cancel(),
    next(timeoutMs = STEP_MS): Promise<T> {
      const value = buffered.shift();
      if (value !== undefined) return Promise.resolve(value);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no stream message within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((v) => {
          clearTimeout(timer);
          resolve(v);
        });
      });
    },
    async take(count: number): Promise<T[]> {
      const values: T[] = [];
      for (let i = 0; i < count; i++) values.push(await this.next());
      return values;
    },
  };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = STEP_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let ts: TestServer;
let flags: grpc.Client;
let health: grpc.Client;

const call = <T>(method: string, request: object, actor?: string) => unary<T>(flags, method, request, actor);
const watch = (request: object) =>
  streamReader(
    (flags as unknown as Record<string, StreamMethod>).watchChanges!.call(flags, request) as grpc.ClientReadableStream<{ change: Change }>,
    // Heartbeats (proof of life) are checked in watch-streams.test.ts; these tests follow the changes.
    (message) => message.change !== null,
  );
const listAllChanges = async (sinceRevision: string | number = 0): Promise<Change[]> => {
  const changes: Change[] = [];
  let pageToken = "";
  do {
    const page = await call<{ changes: Change[]; nextPageToken: string }>("listChanges", { sinceRevision, pageSize: 1000, pageToken });
    changes.push(...page.changes);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return changes;
};
const revisions = (changes: Change[]) => changes.map((c) => Number(c.revision));
const expectConsecutive = (values: number[], first: number) =>
  expect(values).toEqual(Array.from({ length: values.length }, (_, i) => first + i));

beforeAll(async () => {
  ts = await startTestServer();
  const address = ts.grpcUrl.replace(/^http:\/\//, "");
  flags = serviceClient("flagwire/v1/flags.proto", ["flagwire", "v1", "FeatureFlagService"], address);
  health = serviceClient("grpc/health/v1/health.proto", ["grpc", "health", "v1", "Health"], address);
});

afterAll(async () => {
  flags?.close();
  health?.close();
  await ts?.close();
});

describe("FeatureFlagService over @grpc/grpc-js + @grpc/proto-loader", () => {
  it("creates features, customers and users, and sets overrides", async () => {
    const created = await call<{ feature: Feature } & Revisioned>("createFeature", { name: "dashboard", enabled: true, description: "the new dashboard" });
    expect(created.feature).toMatchObject({ name: "dashboard", enabled: true, description: "the new dashboard", customerOverrideCount: 0 });
    expect(created.revision).toBe("1");
    await call("createFeature", { name: "beta" });
    await call("createFeature", { name: "reports", enabled: true });
    for (const id of ["101", "102", "103"]) {
      expect((await call<{ customer: { id: string } }>("createCustomer", { id })).customer.id).toBe(id);
    }
    const user = await call<{ user: { id: string; customerId: string } } & Revisioned>("createUser", { id: "456", customerId: "101" });
    expect(user.user).toMatchObject({ id: "456", customerId: "101" });
    expect(user.revision).toBe("7");

    const disabled = await call<Revisioned>("setOverride", { feature: "dashboard", target: { customerId: "101" }, enabled: false });
    expect(disabled.revision).toBe("8");
    // The same override again changes nothing and answers the current revision.
    expect(await call<Revisioned>("setOverride", { feature: "dashboard", target: { customerId: "101" }, enabled: false })).toEqual({ revision: "8" });
    await call("setOverride", { feature: "dashboard", target: { customerId: "102" }, enabled: true });
    await call("setOverride", { feature: "beta", target: { customerId: "101" }, enabled: true });
  });

  it.each([
    ["customer 101", { customerId: "101" }, false, "EVALUATION_REASON_CUSTOMER_OVERRIDE"],
    ["user 456 through its customer", { userId: "456" }, false, "EVALUATION_REASON_CUSTOMER_OVERRIDE"],
    ["customer 102", { customerId: "102" }, true, "EVALUATION_REASON_CUSTOMER_OVERRIDE"],
    ["customer 103", { customerId: "103" }, true, "EVALUATION_REASON_DEFAULT"],
    ["an unknown customer", { customerId: "999" }, true, "EVALUATION_REASON_DEFAULT"],
    ["nobody", {}, true, "EVALUATION_REASON_DEFAULT"],
  ])("evaluates dashboard for %s", async (_, context, enabled, reason) => {
    const result = await call<{ enabled: boolean; reason: string } & Revisioned>("evaluate", { feature: "dashboard", ...context });
    expect(result).toEqual({ enabled, reason, segment: "", revision: "10" });
  });

  it("lets a user override beat its customer's", async () => {
    expect(await call<Revisioned>("setOverride", { feature: "dashboard", target: { userId: "456" }, enabled: true })).toEqual({ revision: "11" });
    for (const context of [{ userId: "456" }, { userId: "456", customerId: "101" }]) {
      expect(await call("evaluate", { feature: "dashboard", ...context })).toEqual({ enabled: true, reason: "EVALUATION_REASON_USER_OVERRIDE", segment: "", revision: "11" });
    }
  });

  it.each([
    ["101", ["beta", "reports"]],
    ["102", ["dashboard", "reports"]],
    ["103", ["dashboard", "reports"]],
  ])("lists the features on for customer %s", async (customerId, features) => {
    expect(await call("listFeaturesForCustomer", { customerId })).toEqual({ features, nextPageToken: "", revision: "11" });
  });

  it.each([
    ["CUSTOMER_FEATURE_FILTER_UNSPECIFIED", ["102", "103"]],
    ["CUSTOMER_FEATURE_FILTER_ENABLED", ["102", "103"]],
    ["CUSTOMER_FEATURE_FILTER_EXPLICITLY_ENABLED", ["102"]],
    ["CUSTOMER_FEATURE_FILTER_EXPLICITLY_DISABLED", ["101"]],
  ])("lists the customers with dashboard, filter %s", async (filter, customerIds) => {
    expect(await call("listCustomersWithFeature", { feature: "dashboard", filter })).toEqual({ customerIds, nextPageToken: "", revision: "11" });
  });

  it("renames a feature and its overrides follow", async () => {
    const renamed = await call<{ feature: Feature } & Revisioned>("renameFeature", { name: "dashboard", newName: "dashboard-v2" });
    expect(renamed.revision).toBe("12");
    expect(renamed.feature).toMatchObject({ name: "dashboard-v2", enabled: true, customerOverrideCount: 2, userOverrideCount: 1 });
    expect(await call("evaluate", { feature: "dashboard-v2", customerId: "101" })).toMatchObject({ enabled: false, reason: "EVALUATION_REASON_CUSTOMER_OVERRIDE" });
    expect(await call("listCustomersWithFeature", { feature: "dashboard-v2", filter: "CUSTOMER_FEATURE_FILTER_EXPLICITLY_DISABLED" })).toMatchObject({ customerIds: ["101"] });
    const { features } = await call<{ features: Feature[] }>("listFeatures", {});
    expect(features.map((f) => f.name)).toEqual(["beta", "dashboard-v2", "reports"]);
  });

  it("clears an override, and clearing it again changes nothing", async () => {
    expect(await call("clearOverride", { feature: "dashboard-v2", target: { userId: "456" } })).toEqual({ revision: "13" });
    expect(await call("evaluate", { feature: "dashboard-v2", userId: "456" })).toEqual({ enabled: false, reason: "EVALUATION_REASON_CUSTOMER_OVERRIDE", segment: "", revision: "13" });
    expect(await call("clearOverride", { feature: "dashboard-v2", target: { userId: "456" } })).toEqual({ revision: "13" });
  });

  it("lists the change log in revision order with the actor from the metadata", async () => {
    await call("setFeatureEnabled", { name: "beta", enabled: true }, ""); // no actor header
    const page = await call<{ changes: Change[]; nextPageToken: string } & Revisioned>("listChanges", {});
    expect(page.revision).toBe("14");
    expect(page.nextPageToken).toBe("");
    expectConsecutive(revisions(page.changes), 1);
    expect(page.changes.map((c) => [c.kind, c.actor])).toEqual([
      ...Array.from({ length: 3 }, () => ["CHANGE_KIND_FEATURE_CREATED", ACTOR]),
      ...Array.from({ length: 3 }, () => ["CHANGE_KIND_CUSTOMER_CREATED", ACTOR]),
      ["CHANGE_KIND_USER_CREATED", ACTOR],
      ...Array.from({ length: 4 }, () => ["CHANGE_KIND_OVERRIDE_SET", ACTOR]),
      ["CHANGE_KIND_FEATURE_RENAMED", ACTOR],
      ["CHANGE_KIND_OVERRIDE_CLEARED", ACTOR],
      ["CHANGE_KIND_FEATURE_ENABLED_SET", ""],
    ]);
    const nowSeconds = Date.now() / 1000;
    for (const change of page.changes) expect(Math.abs(Number(change.time?.seconds) - nowSeconds)).toBeLessThan(60);
    expect(page.changes[6]).toMatchObject({ target: { userId: "456", kind: "userId" }, customerId: "101" });
    expect(page.changes[7]).toMatchObject({ feature: "dashboard", target: { customerId: "101", kind: "customerId" }, enabled: false });
    expect(page.changes[11]).toMatchObject({ feature: "dashboard", newName: "dashboard-v2" });

    const since = await call<{ changes: Change[] }>("listChanges", { sinceRevision: "12", pageSize: 1 });
    expect(revisions(since.changes)).toEqual([13]);
  });

  it.each([
    ["getFeature", { name: "nope" }, grpc.status.NOT_FOUND, 'feature "nope" not found'],
    ["evaluate", { feature: "dashboard" }, grpc.status.NOT_FOUND, 'feature "dashboard" not found'],
    ["listFeaturesForCustomer", { customerId: "777" }, grpc.status.NOT_FOUND, 'customer "777" not found'],
    ["createUser", { id: "u1", customerId: "777" }, grpc.status.NOT_FOUND, 'customer "777" not found'],
    ["createFeature", { name: "beta" }, grpc.status.ALREADY_EXISTS, '"beta"'],
    ["createFeature", { name: "a b" }, grpc.status.INVALID_ARGUMENT, '"a b"'],
    ["setOverride", { feature: "beta", enabled: true }, grpc.status.INVALID_ARGUMENT, "target"],
  ])("%s %j fails with code %i naming the value", async (method, request, code, details) => {
    const err = await call(method, request).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err, "the call should fail").toBeDefined();
    expect(err?.code).toBe(code);
    expect(err?.details).toContain(details);
  });

  it.each(["", "flagwire.v1.FeatureFlagService"])("answers health Check %j with SERVING", async (service) => {
    expect(await unary(health, "check", { service })).toEqual({ status: "SERVING" });
  });
});

describe("WatchChanges over @grpc/grpc-js", () => {
  it("streams exactly the changes committed after the call starts, in order", async () => {
    const before = (await call<Revisioned>("listChanges", { pageSize: 1 })).revision;
    const stream = watch({});
    await waitFor("the watcher to subscribe", () => ts.server.engine.watcherCount === 1);
    const written = [
      await call<Revisioned>("createFeature", { name: "live-1" }),
      await call<Revisioned>("setFeatureEnabled", { name: "live-1", enabled: true }),
      await call<Revisioned>("setOverride", { feature: "live-1", target: { customerId: "103" }, enabled: false }),
    ];
    const received = (await stream.take(3)).map((r) => r.change);
    expect(revisions(received)).toEqual(written.map((w) => Number(w.revision)));
    expect(Number(received[0]?.revision)).toBe(Number(before) + 1);
    expect(received.map((c) => [c.kind, c.feature, c.enabled, c.actor])).toEqual([
      ["CHANGE_KIND_FEATURE_CREATED", "live-1", false, ACTOR],
      ["CHANGE_KIND_FEATURE_ENABLED_SET", "live-1", true, ACTOR],
      ["CHANGE_KIND_OVERRIDE_SET", "live-1", false, ACTOR],
    ]);
    // Exactly those three: a write that changes nothing publishes nothing, and nothing else is pending.
    await call("setFeatureEnabled", { name: "live-1", enabled: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stream.buffered).toEqual([]);
    stream.cancel();
    await waitFor("the watcher to be released", () => ts.server.engine.watcherCount === 0);
  });

  it("replays the log after since_revision, then goes live, with no gap and no duplicate", async () => {
    const log = await listAllChanges();
    const since = Number(log[log.length - 1]?.revision) - 5;
    const stream = watch({ sinceRevision: String(since) });
    const replayed = (await stream.take(5)).map((r) => r.change);
    expect(replayed).toEqual(await listAllChanges(since));
    const live = await call<Revisioned>("createCustomer", { id: "104" });
    const next = (await stream.next()).change;
    expect(next).toMatchObject({ revision: live.revision, kind: "CHANGE_KIND_CUSTOMER_CREATED", target: { customerId: "104" } });
    expect(next).toEqual((await listAllChanges(since + 5))[0]);
    stream.cancel();
    await waitFor("the watcher to be released", () => ts.server.engine.watcherCount === 0);
  });

  it("replays more than one read batch while writes keep coming, with no gap and no duplicate", async () => {
    // More changes than the engine reads per replay step (500), and writes racing the replay and the switch to live.
    const first = Number((await call<Revisioned>("listChanges", { pageSize: 1 })).revision) + 1;
    for (let i = 0; i < 6; i++) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => call("createCustomer", { id: `bulk-${i}-${j}` })));
    }
    const stream = watch({ sinceRevision: "0" });
    const racing = Promise.all(Array.from({ length: 50 }, (_, j) => call("createUser", { id: `racer-${j}` })));
    await racing;
    const last = Number((await call<Revisioned>("listChanges", { pageSize: 1 })).revision);
    expect(last).toBe(first + 600 + 50 - 1);
    const received = (await stream.take(last)).map((r) => r.change);
    expectConsecutive(revisions(received), 1);
    expect(received).toEqual(await listAllChanges(0));
    const live = await call<Revisioned>("deleteUser", { id: "racer-0" });
    expect((await stream.next()).change.revision).toBe(live.revision);
    stream.cancel();
    await waitFor("the watcher to be released", () => ts.server.engine.watcherCount === 0);
  }, 15_000);

  it("releases the server-side watcher when the client cancels", async () => {
    const streams = [watch({}), watch({}), watch({ sinceRevision: "0" })];
    await waitFor("three watchers", () => ts.server.engine.watcherCount === 3);
    expect(ts.server.engine.watcherCount).toBe(3);
    for (const stream of streams) stream.cancel();
    await waitFor("the watchers to be released", () => ts.server.engine.watcherCount === 0);
  });
});
