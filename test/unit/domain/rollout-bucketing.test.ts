import { describe, expect, it } from "vitest";
import { x86 } from "murmurhash3js-revisited";
import { murmur3 } from "../../../src/domain/murmur3.js";
import { BUCKETS, bucketOf } from "../../../src/domain/rollout.js";
import { seededRandom as random } from "../../support/seeded-random.js";

// The bucketing contract: MurmurHash3 x86 32-bit, seed 0, of the UTF-8 bytes of `<salt>:<id>`, modulo 10000.
// Our implementation is checked against an independent one from npm (murmurhash3js-revisited, used only here).

const utf8 = (text: string) => Buffer.from(text, "utf8");
const reference = (text: string, seed = 0) => x86.hash32(utf8(text), seed);

/** `count` distinct UUID-shaped ids. */
function randomIds(count: number, seed: number): string[] {
  const next = random(seed);
  const hex = () => Math.floor(next() * 0x10000).toString(16).padStart(4, "0");
  return Array.from({ length: count }, (_, i) => `${hex()}${hex()}-${hex()}-${hex()}-${hex()}-${hex()}${hex()}${i.toString(16).padStart(4, "0")}`);
}

/** Strings that exercise every UTF-8 length, surrogate pairs, lone surrogates and every tail length. */
function randomStrings(count: number, seed: number): string[] {
  const next = random(seed);
  const alphabet = ["a", "Z", "7", ":", "-", "é", "ß", "€", "中", "😀", "\ud800", "\udfff", "\u0000", "\u007f", "\u0080", "\u07ff", "\u0800", "\uffff"];
  return Array.from({ length: count }, () =>
    Array.from({ length: Math.floor(next() * 24) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""),
  );
}

describe("MurmurHash3 x86 32-bit", () => {
  // Widely published vectors of the reference implementation (SMHasher), as [bytes, seed, hash].
  it.each<[string, number, number]>([
    ["", 0, 0],
    ["", 1, 0x514e28b7],
    ["", 0xffffffff, 0x81f16f39],
    ["\u0000\u0000\u0000\u0000", 0, 0x2362f9de],
    ["aaaa", 0x9747b28c, 0x5a97808a],
    ["Hello, world!", 0x9747b28c, 0x24884cba],
    ["The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2fa826cd],
    ["hello", 0, 0x248bfa47],
  ])("%j with seed %i is %i", (text, seed, hash) => {
    expect(murmur3(utf8(text), seed)).toBe(hash);
    expect(reference(text, seed)).toBe(hash);
  });

  it("agrees with murmurhash3js-revisited on 5,000 strings of every UTF-8 shape, hashed as bytes and as text", () => {
    for (const text of randomStrings(5_000, 7)) {
      expect(murmur3(utf8(text)), JSON.stringify(text)).toBe(reference(text));
    }
  });
});

describe("bucketOf", () => {
  /** The published test vectors (README, "Percentage rollouts"): salt, id, bucket. */
  const VECTORS: [string, string, number][] = [
    ["f00dfeedcafebeef", "user-1", 6548],
    ["f00dfeedcafebeef", "user-2", 2277],
    ["f00dfeedcafebeef", "101", 3682],
    ["0123456789abcdef", "alice@example.com", 6068],
    ["legacy-1700000000000", "456", 1995],
  ];

  it.each(VECTORS)("salt %j, id %j is bucket %i (the README's vectors)", (salt, id, bucket) => {
    expect(bucketOf(salt, id)).toBe(bucket);
    expect(reference(`${salt}:${id}`) % BUCKETS).toBe(bucket);
  });

  it("is the independent implementation's hash of `<salt>:<id>` modulo 10000, for 20,000 random salts and ids", () => {
    const salts = randomIds(200, 1).map((id) => id.replace(/-/g, "").slice(0, 16));
    const ids = [...randomIds(100, 2), ...randomStrings(100, 3)];
    for (const salt of salts) {
      for (const id of ids) expect(bucketOf(salt, id)).toBe(reference(`${salt}:${id}`) % BUCKETS);
    }
  });

  const ids = randomIds(100_000, 42);

  it.each(["f00dfeedcafebeef", "0123456789abcdef", "legacy-1700000000000"])(
    "100,000 random ids at 25%% (salt %s): 25%% ± 0.5%% are in",
    (salt) => {
      const inside = ids.filter((id) => bucketOf(salt, id) < 2500).length;
      expect(inside / ids.length).toBeGreaterThanOrEqual(0.245);
      expect(inside / ids.length).toBeLessThanOrEqual(0.255);
    },
  );

  it("raising the percentage only adds ids: every id in at 1% is in at 10%, 25%, 50%, 100%", () => {
    const steps = [0, 100, 1000, 2500, 5000, 10_000];
    const insideAt = steps.map((basisPoints) => new Set(ids.filter((id) => bucketOf("f00dfeedcafebeef", id) < basisPoints)));
    expect(insideAt[0]?.size).toBe(0);
    expect(insideAt[steps.length - 1]?.size).toBe(ids.length);
    for (let i = 1; i < steps.length; i++) {
      const before = insideAt[i - 1] as Set<string>;
      const after = insideAt[i] as Set<string>;
      expect([...before].filter((id) => !after.has(id)), `dropped out going from ${steps[i - 1]} to ${steps[i]}`).toEqual([]);
      expect(after.size).toBeGreaterThan(before.size);
    }
    // 25 -> 50: about half as many more, and nobody lost.
    expect((insideAt[4] as Set<string>).size / ids.length).toBeCloseTo(0.5, 1);
  });

  it("different salts bucket independently: features do not roll out to the same people", () => {
    const a = ids.filter((id) => bucketOf("f00dfeedcafebeef", id) < 2500);
    const alsoInB = a.filter((id) => bucketOf("0123456789abcdef", id) < 2500).length;
    expect(alsoInB / a.length).toBeGreaterThan(0.24);
    expect(alsoInB / a.length).toBeLessThan(0.26);
  });
});
