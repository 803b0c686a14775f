import fc from "fast-check";
import { Code, ConnectError } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { CustomerFeatureFilter, EvaluationReason } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient, FlagClientProtocol } from "../../../src/client/create-flag-client.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { PROTOCOLS } from "../../support/protocols.js";
import { BACKENDS } from "../../support/test-backends.js";

// Model-based test: random sequences of every mutation run against a real server and against a small reference
// model written here from the README's rules (not the product's FlagState). After each step, every query agrees
// with the model: features, customers and users (all pages), GetFeature, ListUsers and ListFeaturesForCustomer per
// customer, ListCustomersWithFeature with each filter, and Evaluate for every context, with every revision.

/** Small pools, so that sequences collide: duplicates, unknown names, cascades, no-ops. The last value is malformed. */
const FEATURES = ["a", "b", "c", "bad name"];
const CUSTOMERS = ["c1", "c2", "bad id"];
const USERS = ["u1", "u2", "bad/id"];
const FEATURE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ENTITY_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

type Target = { kind: "customer" | "user"; id: string };
type Failure = "INVALID_ARGUMENT" | "NOT_FOUND" | "ALREADY_EXISTS";
/** What the model says a write comes to: a failure code, or success that changed something or nothing. */
type Outcome = Failure | "changed" | "unchanged";

interface ModelFeature {
  enabled: boolean;
  description: string;
  customers: Map<string, boolean>;
  users: Map<string, boolean>;
}

/** The reference model: the rules as the README states them, in the plainest code. */
class Model {
  features = new Map<string, ModelFeature>();
  customers = new Set<string>();
  /** User id to its customer id, if any. */
  users = new Map<string, string | null>();
  revision = 0;

  /** The first failure among `checks`, else the outcome of `change` (which may return "unchanged"). */
  write(checks: [boolean, Failure][], change: () => Outcome | void): Outcome {
    const failed = checks.find(([bad]) => bad);
    if (failed) return failed[1];
    const outcome = change() ?? "changed";
    if (outcome === "changed") this.revision++;
    return outcome;
  }

  isTarget(target: Target): boolean {
    return target.kind === "customer" ? this.customers.has(target.id) : this.users.has(target.id);
  }

  deleteUser(id: string): void {
    this.users.delete(id);
    for (const feature of this.features.values()) feature.users.delete(id);
  }

  /** Value and reason for a context: user override, then customer override (given, or the user's), then global. */
  evaluate(feature: ModelFeature, customerId: string, userId: string): { enabled: boolean; reason: EvaluationReason } {
    const customer = customerId || (userId ? (this.users.get(userId) ?? "") : "");
    const user = userId ? feature.users.get(userId) : undefined;
    if (user !== undefined) return { enabled: user, reason: EvaluationReason.USER_OVERRIDE };
    const byCustomer = customer ? feature.customers.get(customer) : undefined;
    if (byCustomer !== undefined) return { enabled: byCustomer, reason: EvaluationReason.CUSTOMER_OVERRIDE };
    return { enabled: feature.enabled, reason: EvaluationReason.DEFAULT };
  }
}

const badName = (name: string) => !FEATURE_NAME.test(name);
const badId = (id: string) => !ENTITY_ID.test(id);
const overridesOf = (feature: ModelFeature, target: Target) => (target.kind === "customer" ? feature.customers : feature.users);

/** One mutation: what the model makes of it, and the call that makes it on the server. */
interface Mutation {
  label: string;
  apply: (model: Model) => Outcome;
  call: (client: FlagClient) => Promise<{ revision: bigint }>;
}

/** A value of a pool; the malformed one rarely, so that most sequences build on what they created. */
const pick = (values: string[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...values.slice(0, -1)), weight: 12 }, { arbitrary: fc.constant(values.at(-1) as string), weight: 1 });
const feature = pick(FEATURES);
const customer = pick(CUSTOMERS);
const user = pick(USERS);
const target: fc.Arbitrary<Target> = fc.oneof(
  customer.map((id) => ({ kind: "customer" as const, id })),
  user.map((id) => ({ kind: "user" as const, id })),
);
const toProtoTarget = (t: Target) => ({ kind: t.kind === "customer" ? { case: "customerId" as const, value: t.id } : { case: "userId" as const, value: t.id } });

/** Every mutation of the API, as the model and the server each take it. */
const mutation = {
  createFeature: (name: string, enabled: boolean, description: string): Mutation => ({
    label: `CreateFeature(${name}, ${enabled}, ${JSON.stringify(description)})`,
    apply: (m) =>
      m.write([[badName(name), "INVALID_ARGUMENT"], [m.features.has(name), "ALREADY_EXISTS"]], () => {
        m.features.set(name, { enabled, description, customers: new Map(), users: new Map() });
      }),
    call: (c) => c.createFeature({ name, enabled, description }),
  }),
  renameFeature: (name: string, newName: string): Mutation => ({
    label: `RenameFeature(${name} -> ${newName})`,
    apply: (m) =>
      m.write([[badName(name) || badName(newName), "INVALID_ARGUMENT"], [!m.features.has(name), "NOT_FOUND"]], () => {
        if (name === newName) return "unchanged";
        if (m.features.has(newName)) return "ALREADY_EXISTS";
        m.features.set(newName, m.features.get(name) as ModelFeature);
        m.features.delete(name);
      }),
    call: (c) => c.renameFeature({ name, newName }),
  }),
  deleteFeature: (name: string): Mutation => ({
    label: `DeleteFeature(${name})`,
    apply: (m) => m.write([[badName(name), "INVALID_ARGUMENT"], [!m.features.has(name), "NOT_FOUND"]], () => void m.features.delete(name)),
    call: (c) => c.deleteFeature({ name }),
  }),
  setFeatureEnabled: (name: string, enabled: boolean): Mutation => ({
    label: `SetFeatureEnabled(${name}, ${enabled})`,
    apply: (m) =>
      m.write([[badName(name), "INVALID_ARGUMENT"], [!m.features.has(name), "NOT_FOUND"]], () => {
        const f = m.features.get(name) as ModelFeature;
        if (f.enabled === enabled) return "unchanged";
        f.enabled = enabled;
      }),
    call: (c) => c.setFeatureEnabled({ name, enabled }),
  }),
  createCustomer: (id: string): Mutation => ({
    label: `CreateCustomer(${id})`,
    apply: (m) => m.write([[badId(id), "INVALID_ARGUMENT"], [m.customers.has(id), "ALREADY_EXISTS"]], () => void m.customers.add(id)),
    call: (c) => c.createCustomer({ id }),
  }),
  deleteCustomer: (id: string): Mutation => ({
    label: `DeleteCustomer(${id})`,
    apply: (m) =>
      m.write([[badId(id), "INVALID_ARGUMENT"], [!m.customers.has(id), "NOT_FOUND"]], () => {
        m.customers.delete(id);
        for (const [userId, of] of m.users) if (of === id) m.deleteUser(userId);
        for (const f of m.features.values()) f.customers.delete(id);
      }),
    call: (c) => c.deleteCustomer({ id }),
  }),
  createUser: (id: string, customerId: string | null): Mutation => ({
    label: `CreateUser(${id}, customer ${customerId ?? "none"})`,
    apply: (m) =>
      m.write(
        [
          [badId(id) || (customerId !== null && badId(customerId)), "INVALID_ARGUMENT"],
          [customerId !== null && !m.customers.has(customerId), "NOT_FOUND"],
          [m.users.has(id), "ALREADY_EXISTS"],
        ],
        () => void m.users.set(id, customerId),
      ),
    call: (c) => c.createUser({ id, customerId: customerId ?? "" }),
  }),
  deleteUser: (id: string): Mutation => ({
    label: `DeleteUser(${id})`,
    apply: (m) => m.write([[badId(id), "INVALID_ARGUMENT"], [!m.users.has(id), "NOT_FOUND"]], () => m.deleteUser(id)),
    call: (c) => c.deleteUser({ id }),
  }),
  setOverride: (name: string, t: Target, enabled: boolean): Mutation => ({
    label: `SetOverride(${name}, ${t.kind} ${t.id}, ${enabled})`,
    apply: (m) =>
      m.write([[badName(name) || badId(t.id), "INVALID_ARGUMENT"], [!m.features.has(name) || !m.isTarget(t), "NOT_FOUND"]], () => {
        const overrides = overridesOf(m.features.get(name) as ModelFeature, t);
        if (overrides.get(t.id) === enabled) return "unchanged";
        overrides.set(t.id, enabled);
      }),
    call: (c) => c.setOverride({ feature: name, target: toProtoTarget(t), enabled }),
  }),
  clearOverride: (name: string, t: Target): Mutation => ({
    label: `ClearOverride(${name}, ${t.kind} ${t.id})`,
    apply: (m) =>
      m.write(
        [[badName(name) || badId(t.id), "INVALID_ARGUMENT"], [!m.features.has(name) || !m.isTarget(t), "NOT_FOUND"]],
        () => (overridesOf(m.features.get(name) as ModelFeature, t).delete(t.id) ? "changed" : "unchanged"),
      ),
    call: (c) => c.clearOverride({ feature: name, target: toProtoTarget(t) }),
  }),
};

/** Random mutations; creations weigh more, so that sequences build something to rename, override and delete. */
const randomMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(feature, fc.boolean(), fc.constantFrom("", "about it", "ünïcode ✓")).map((a) => mutation.createFeature(...a)) },
  { weight: 1, arbitrary: fc.tuple(feature, feature).map((a) => mutation.renameFeature(...a)) },
  { weight: 1, arbitrary: feature.map(mutation.deleteFeature) },
  { weight: 1, arbitrary: fc.tuple(feature, fc.boolean()).map((a) => mutation.setFeatureEnabled(...a)) },
  { weight: 2, arbitrary: customer.map(mutation.createCustomer) },
  { weight: 1, arbitrary: customer.map(mutation.deleteCustomer) },
  { weight: 2, arbitrary: fc.tuple(user, fc.option(customer, { nil: null, freq: 4 })).map((a) => mutation.createUser(...a)) },
  { weight: 1, arbitrary: user.map(mutation.deleteUser) },
  { weight: 2, arbitrary: fc.tuple(feature, target, fc.boolean()).map((a) => mutation.setOverride(...a)) },
  { weight: 1, arbitrary: fc.tuple(feature, target).map((a) => mutation.clearOverride(...a)) },
);

/** A start that half of the runs get, so that short sequences reach overrides, cascades and renames of real data. */
const SEED: Mutation[] = [
  mutation.createFeature("a", true, ""),
  mutation.createFeature("b", false, "about it"),
  mutation.createCustomer("c1"),
  mutation.createCustomer("c2"),
  mutation.createUser("u1", "c1"),
  mutation.createUser("u2", null),
  mutation.setOverride("a", { kind: "customer", id: "c1" }, false),
  mutation.setOverride("b", { kind: "customer", id: "c2" }, true),
  mutation.setOverride("b", { kind: "user", id: "u1" }, false),
];

interface Real {
  ts: TestServer;
  clients: Record<FlagClientProtocol, FlagClient>;
}

/** A call's status code as the model names it, and its result when it succeeded. */
async function settle<T>(call: Promise<T>): Promise<{ code: "OK"; value: T } | { code: string }> {
  try {
    return { code: "OK", value: await call };
  } catch (err) {
    return { code: Code[ConnectError.from(err).code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase() };
  }
}

/** Every item of a paged list, in small pages so that paging is exercised too. */
async function allPages<T>(page: (token: string) => Promise<{ items: T[]; next: string; revision: bigint }>) {
  const items: T[] = [];
  let token = "";
  let revision = 0n;
  do {
    const r = await page(token);
    items.push(...r.items);
    token = r.next;
    revision = r.revision;
  } while (token);
  return { items, revision };
}

const FILTERS = [
  CustomerFeatureFilter.UNSPECIFIED,
  CustomerFeatureFilter.ENABLED,
  CustomerFeatureFilter.EXPLICITLY_ENABLED,
  CustomerFeatureFilter.EXPLICITLY_DISABLED,
];

/** What the model says every query answers; failures as codes. */
function expectedQueries(m: Model) {
  const sorted = (keys: Iterable<string>) => [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const revision = BigInt(m.revision);
  const lookupFeature = (name: string) => (badName(name) ? "INVALID_ARGUMENT" : m.features.get(name) ?? "NOT_FOUND");
  const lookupCustomer = (id: string) => (badId(id) ? "INVALID_ARGUMENT" : m.customers.has(id) ? id : "NOT_FOUND");
  return {
    features: {
      revision,
      items: sorted(m.features.keys()).map((name) => {
        const f = m.features.get(name) as ModelFeature;
        return [name, f.enabled, f.description, f.customers.size, f.users.size];
      }),
    },
    customers: { revision, items: sorted(m.customers) },
    users: { revision, items: sorted(m.users.keys()).map((id) => [id, m.users.get(id) ?? ""]) },
    getFeature: FEATURES.map((name) => {
      const f = lookupFeature(name);
      return typeof f === "string" ? f : [name, f.enabled, revision];
    }),
    usersOf: CUSTOMERS.map((id) => {
      const c = lookupCustomer(id);
      return c === id ? sorted([...m.users].filter(([, of]) => of === id).map(([u]) => u)) : c;
    }),
    featuresFor: CUSTOMERS.map((id) => {
      const c = lookupCustomer(id);
      return c === id ? sorted(m.features.keys()).filter((name) => m.evaluate(m.features.get(name) as ModelFeature, id, "").enabled) : c;
    }),
    customersWith: FEATURES.flatMap((name) =>
      FILTERS.map((filter) => {
        const f = lookupFeature(name);
        if (typeof f === "string") return f;
        const accept = (id: string) =>
          filter === CustomerFeatureFilter.EXPLICITLY_ENABLED
            ? f.customers.get(id) === true
            : filter === CustomerFeatureFilter.EXPLICITLY_DISABLED
              ? f.customers.get(id) === false
              : m.evaluate(f, id, "").enabled;
        return sorted(m.customers).filter(accept);
      }),
    ),
    evaluations: contexts().map(({ name, customerId, userId }) => {
      if (badName(name) || (customerId && badId(customerId)) || (userId && badId(userId))) return "INVALID_ARGUMENT";
      const f = m.features.get(name);
      return f ? { ...m.evaluate(f, customerId, userId), revision } : "NOT_FOUND";
    }),
  };
}

/** Every feature with every context: nobody, each customer, each user, each customer with each user. */
function contexts() {
  return FEATURES.flatMap((name) => ["", ...CUSTOMERS].flatMap((customerId) => ["", ...USERS].map((userId) => ({ name, customerId, userId }))));
}

/** What the server answers to the same queries, in the same shape. */
async function actualQueries(c: FlagClient) {
  const orCode = async <T, R>(call: Promise<T>, pick: (value: T) => R) => {
    const r = await settle(call);
    return r.code === "OK" && "value" in r ? pick(r.value) : r.code;
  };
  const features = allPages(async (pageToken) => {
    const r = await c.listFeatures({ pageSize: 2, pageToken });
    const items = r.features.map((f) => [f.name, f.enabled, f.description, f.customerOverrideCount, f.userOverrideCount]);
    return { items, next: r.nextPageToken, revision: r.revision };
  });
  const customers = allPages(async (pageToken) => {
    const r = await c.listCustomers({ pageSize: 2, pageToken });
    return { items: r.customers.map((x) => x.id), next: r.nextPageToken, revision: r.revision };
  });
  const users = allPages(async (pageToken) => {
    const r = await c.listUsers({ pageSize: 2, pageToken });
    return { items: r.users.map((u) => [u.id, u.customerId]), next: r.nextPageToken, revision: r.revision };
  });
  return {
    features: await features,
    customers: await customers,
    users: await users,
    getFeature: await Promise.all(FEATURES.map((name) => orCode(c.getFeature({ name }), (r) => [r.feature?.name, r.feature?.enabled, r.revision]))),
    usersOf: await Promise.all(CUSTOMERS.map((customerId) => orCode(c.listUsers({ customerId, pageSize: 1000 }), (r) => r.users.map((u) => u.id)))),
    featuresFor: await Promise.all(CUSTOMERS.map((customerId) => orCode(c.listFeaturesForCustomer({ customerId, pageSize: 1000 }), (r) => r.features))),
    customersWith: await Promise.all(
      FEATURES.flatMap((feature) => FILTERS.map((filter) => orCode(c.listCustomersWithFeature({ feature, filter, pageSize: 1000 }), (r) => r.customerIds))),
    ),
    evaluations: await Promise.all(
      contexts().map(({ name, customerId, userId }) =>
        orCode(c.evaluate({ feature: name, customerId, userId }), (r) => ({ enabled: r.enabled, reason: r.reason, revision: r.revision })),
      ),
    ),
  };
}

/** Runs one mutation on both sides, with a protocol of its own, then compares every query. */
class MutationCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly mutation: Mutation,
    readonly protocol: FlagClientProtocol,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const before = model.revision;
    const outcome = this.mutation.apply(model);
    const result = await settle(this.mutation.call(real.clients[this.protocol]));
    const expected =
      outcome === "changed" || outcome === "unchanged" ? { code: "OK", revision: BigInt(model.revision) } : { code: outcome };
    const actual = result.code === "OK" && "value" in result ? { code: "OK", revision: result.value.revision } : { code: result.code };
    expect(actual, `${this.toString()} at revision ${before}`).toEqual(expected);
    expect(await actualQueries(real.clients.grpc), `queries after ${this.toString()}`).toEqual(expectedQueries(model));
  }
  toString = () => `${this.mutation.label} over ${this.protocol}`;
}

describe.each(BACKENDS)("model-based on $name: random mutation sequences agree with a reference model", (backend) => {
  beforeAll(() => backend.check());
  it.runIf(backend.run)("every query agrees after every step", { timeout: 120_000 }, async () => {
    const command = fc.tuple(randomMutation, fc.constantFrom(...PROTOCOLS)).map(([m, protocol]) => new MutationCommand(m, protocol));
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.commands([command], { maxCommands: 40, size: "max" }), async (seeded, commands) => {
        const database = await backend.fresh();
        const ts = await startTestServer(database.overrides);
        try {
          const clients = { grpc: ts.client("grpc"), connect: ts.client("connect"), "grpc-web": ts.client("grpc-web") };
          const model = new Model();
          for (const m of seeded ? SEED : []) {
            expect(m.apply(model), m.label).toBe("changed");
            await m.call(clients.grpc);
          }
          await fc.asyncModelRun(() => ({ model, real: { ts, clients } }), commands);
        } finally {
          await ts.close();
          await database.drop();
        }
      }),
      // Fewer runs on PostgreSQL (each one creates a database); the same sequences' shape and checks.
      { numRuns: Number(process.env.FLAGWIRE_MODEL_RUNS ?? (backend.name === "postgres" ? 4 : 8)) },
    );
  });
});
