import type { Rollout, Stickiness } from "./change.js";
import { DomainError } from "./domain-error.js";
import { Murmur3 } from "./murmur3.js";

/** Buckets per rollout: one per basis point, so a percentage with two decimals is exact. */
export const BUCKETS = 10_000;

// One hasher for the process: bucketing is synchronous, so it is never shared by two calls at once.
const hasher = new Murmur3();

/**
 * The bucket of `id` for a feature with `salt`: MurmurHash3 x86 32-bit (seed 0) of the UTF-8 bytes of
 * `<salt>:<id>`, modulo 10000. A context is in a rollout of `b` basis points when its bucket is below `b`,
 * so raising the percentage only adds buckets, and the salt (fixed at creation) makes renames harmless.
 *
 * @example
 * bucketOf("f00dfeedcafebeef", "user-1") // a number in [0, 10000), the same in every language
 */
export function bucketOf(salt: string, id: string): number {
  return hasher.reset(0).updateUtf8(salt).updateByte(0x3a).updateUtf8(id).digest() % BUCKETS;
}

/** Throws INVALID_ARGUMENT unless `basisPoints` is a whole number of basis points in 0-10000. */
export function checkRollout(rollout: Rollout): Rollout {
  const { basisPoints, stickiness } = rollout;
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > BUCKETS) {
    throw new DomainError(
      "INVALID_ARGUMENT",
      `basis_points ${basisPoints} is out of range: use 0-10000 (0.00%-100.00%; 2500 is 25%)`,
    );
  }
  if (!STICKINESS.includes(stickiness)) {
    throw new DomainError("INVALID_ARGUMENT", `stickiness ${JSON.stringify(stickiness)} is unknown: use user or customer`);
  }
  return rollout;
}

const STICKINESS: readonly Stickiness[] = ["user", "customer"];
