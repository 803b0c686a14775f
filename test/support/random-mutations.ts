import { Code, ConnectError } from "@connectrpc/connect";
import type { FlagClient } from "../../src/client/create-flag-client.js";
import { seededRandom } from "./seeded-random.js";

/** Random choices from a seeded generator, so a failing random run can be replayed from its seed. */
export interface Random {
  readonly seed: number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/** Random choices seeded with `seed` (default: FLAGWIRE_TEST_SEED, else the clock); print `seed` when a test fails. */
export function createRandom(seed = Number(process.env.FLAGWIRE_TEST_SEED ?? Date.now() % 2 ** 31)): Random {
  const next = seededRandom(seed);
  return {
    seed,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
  };
}

/**
 * The names random runs draw from: small pools, so that creates, deletes, renames and overrides keep
 * colliding (many writes are refused or change nothing, which is part of the point).
 */
export const POOL = {
  features: ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"],
  customers: ["c1", "c2", "c3", "c4", "c5", "c6"],
  users: ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10"],
} as const;

/** Refusals a random write may meet: it named something missing, or something that already exists. */
const EXPECTED_REFUSALS = new Set([Code.NotFound, Code.AlreadyExists]);

type Mutation = (client: FlagClient, random: Random) => Promise<{ revision: bigint }>;

const target = (random: Random) =>
  random.chance(0.5)
    ? { kind: { case: "customerId" as const, value: random.pick(POOL.customers) } }
    : { kind: { case: "userId" as const, value: random.pick(POOL.users) } };

/**
 * Every mutation kind of the service, each with random arguments from {@link POOL}, and how often to
 * try it: creates and overrides more often than deletes (which cascade), so the state stays populated
 * and every change kind, overrides cleared included, keeps occurring.
 */
const MUTATIONS: readonly (readonly [weight: number, Mutation])[] = [
  [3, (c, r) => c.createFeature({ name: r.pick(POOL.features), enabled: r.chance(0.5), description: r.chance(0.3) ? `d${r.int(100)}` : "" })],
  [2, (c, r) => c.renameFeature({ name: r.pick(POOL.features), newName: r.pick(POOL.features) })],
  [1, (c, r) => c.deleteFeature({ name: r.pick(POOL.features) })],
  [2, (c, r) => c.setFeatureEnabled({ name: r.pick(POOL.features), enabled: r.chance(0.5) })],
  [2, (c, r) => c.createCustomer({ id: r.pick(POOL.customers) })],
  [1, (c, r) => c.deleteCustomer({ id: r.pick(POOL.customers) })],
  [2, (c, r) => c.createUser({ id: r.pick(POOL.users), customerId: r.chance(0.6) ? r.pick(POOL.customers) : "" })],
  [1, (c, r) => c.deleteUser({ id: r.pick(POOL.users) })],
  [4, (c, r) => c.setOverride({ feature: r.pick(POOL.features), target: target(r), enabled: r.chance(0.5) })],
  [4, (c, r) => c.clearOverride({ feature: r.pick(POOL.features), target: target(r) })],
];
const WEIGHTED = MUTATIONS.flatMap(([weight, mutation]) => Array.from({ length: weight }, () => mutation));

/** The change kinds a random run produces (one per mutation RPC above). */
export const KINDS_WRITTEN = [
  "FEATURE_CREATED",
  "FEATURE_RENAMED",
  "FEATURE_DELETED",
  "FEATURE_ENABLED_SET",
  "CUSTOMER_CREATED",
  "CUSTOMER_DELETED",
  "USER_CREATED",
  "USER_DELETED",
  "OVERRIDE_SET",
  "OVERRIDE_CLEARED",
] as const;

/** Progress of {@link runRandomMutations}, readable while it runs. */
export interface MutationProgress {
  /** Writes answered (accepted or refused). */
  done: number;
  /** Writes refused with NOT_FOUND or ALREADY_EXISTS. */
  refused: number;
  /** The highest revision any answer reported. */
  maxRevision: number;
}

/** Options of {@link runRandomMutations}. */
export interface RandomRunOptions {
  /** Clients to write through; each in-flight slot uses the next one in turn. */
  clients: readonly FlagClient[];
  random: Random;
  /** Number of writes to send. */
  count: number;
  /** Writes in flight at once; default 1. */
  concurrency?: number;
  /** Called after each answer, with the progress so far. */
  onAnswer?: (progress: Readonly<MutationProgress>) => void;
}

/**
 * Sends random writes of every kind through real clients. Refusals for missing or existing names are
 * expected and counted; any other error fails the run.
 */
export async function runRandomMutations(options: RandomRunOptions): Promise<MutationProgress> {
  const { clients, random, count } = options;
  const progress: MutationProgress = { done: 0, refused: 0, maxRevision: 0 };
  let started = 0;
  const slot = async (index: number) => {
    const client = clients[index % clients.length] as FlagClient;
    while (started < count) {
      started++;
      try {
        const { revision } = await random.pick(WEIGHTED)(client, random);
        progress.maxRevision = Math.max(progress.maxRevision, Number(revision));
      } catch (err) {
        if (!(err instanceof ConnectError) || !EXPECTED_REFUSALS.has(err.code)) throw err;
        progress.refused++;
      }
      progress.done++;
      options.onAnswer?.(progress);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, (_, i) => slot(i)));
  return progress;
}
