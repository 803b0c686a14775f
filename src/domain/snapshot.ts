import type { Target } from "./change.js";
import type { FeatureRecord, FlagState } from "./flag-state.js";

/** A feature as a snapshot carries it: its global value, without overrides (those come separately). */
export interface SnapshotFeature {
  readonly name: string;
  readonly enabled: boolean;
  readonly description: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A user as a snapshot carries it. */
export interface SnapshotUser {
  readonly id: string;
  readonly customerId: string | null;
  readonly createdAt: number;
}

/** An override as a snapshot carries it. */
export interface SnapshotOverride {
  readonly feature: string;
  readonly target: Target;
  readonly enabled: boolean;
}

/**
 * One part of the whole state at `revision`. Parts come in order: features, then customers, then users,
 * then overrides, so each part refers only to what earlier parts (or itself) carried.
 */
export interface SnapshotChunk {
  readonly revision: number;
  readonly index: number;
  readonly last: boolean;
  readonly features: SnapshotFeature[];
  readonly customerIds: string[];
  readonly users: SnapshotUser[];
  readonly overrides: SnapshotOverride[];
}

/** Entries per chunk: small enough for any gRPC message limit, large enough to keep per-message cost low. */
export const SNAPSHOT_CHUNK_ENTRIES = 1_000;

const CUSTOMER = 0;
const USER = 1;

/**
 * Captures the state at its current revision and returns its chunks, built lazily as they are read.
 *
 * The capture is synchronous and copies references only (names, ids and packed flags), so the chunks
 * stay exact while the live state moves on; for a million overrides it holds about 13 MB until the
 * last chunk is read. With `features`, only those features and their overrides are included (customers
 * and users always are, since any of them may carry an override later).
 */
export function captureSnapshot(state: FlagState, features?: ReadonlySet<string>): Iterable<SnapshotChunk> {
  const revision = state.revision;
  const featureList: SnapshotFeature[] = [];
  const overrideFeatures: string[] = [];
  const overrideTargets: string[] = [];
  const overrideBits: number[] = [];
  for (const feature of state.features.values()) {
    if (features && !features.has(feature.name)) continue;
    featureList.push(snapshotFeature(feature));
    captureOverrides(feature, feature.customerOverrides, CUSTOMER);
    captureOverrides(feature, feature.userOverrides, USER);
  }
  function captureOverrides(feature: FeatureRecord, overrides: Map<string, boolean>, kind: number): void {
    for (const [id, enabled] of overrides) {
      overrideFeatures.push(feature.name);
      overrideTargets.push(id);
      overrideBits.push(kind * 2 + (enabled ? 1 : 0));
    }
  }
  const customerIds = [...state.customers.keys()];
  // User records are immutable: sharing them is as exact as copying.
  const users = [...state.users.values()];
  return chunksOf(revision, featureList, customerIds, users, overrideFeatures, overrideTargets, overrideBits);
}

function* chunksOf(
  revision: number,
  features: SnapshotFeature[],
  customerIds: string[],
  users: readonly SnapshotUser[],
  overrideFeatures: string[],
  overrideTargets: string[],
  overrideBits: number[],
): Generator<SnapshotChunk> {
  const total = features.length + customerIds.length + users.length + overrideTargets.length;
  let index = 0;
  let position = 0;
  // One running position across the four lists: a chunk may end one list and start the next.
  do {
    const end = Math.min(total, position + SNAPSHOT_CHUNK_ENTRIES);
    const chunk: SnapshotChunk = { revision, index, last: end === total, features: [], customerIds: [], users: [], overrides: [] };
    let offset = 0;
    for (const [list, take] of [
      [features, (i: number) => chunk.features.push(features[i] as SnapshotFeature)],
      [customerIds, (i: number) => chunk.customerIds.push(customerIds[i] as string)],
      [users, (i: number) => chunk.users.push(users[i] as SnapshotUser)],
      [overrideTargets, (i: number) => chunk.overrides.push(snapshotOverride(overrideFeatures[i] as string, overrideTargets[i] as string, overrideBits[i] as number))],
    ] as const) {
      for (let i = Math.max(position, offset); i < Math.min(end, offset + list.length); i++) take(i - offset);
      offset += list.length;
    }
    yield chunk;
    position = end;
    index++;
  } while (position < total);
}

function snapshotFeature(feature: FeatureRecord): SnapshotFeature {
  return {
    name: feature.name,
    enabled: feature.enabled,
    description: feature.description,
    createdAt: feature.createdAt,
    updatedAt: feature.updatedAt,
  };
}

function snapshotOverride(feature: string, targetId: string, bits: number): SnapshotOverride {
  const target: Target = bits >> 1 === USER ? { kind: "user", id: targetId } : { kind: "customer", id: targetId };
  return { feature, target, enabled: (bits & 1) === 1 };
}

/**
 * Loads one chunk into `state`: the chunk with index 0 first empties it, the last one sets its revision.
 * Chunks must arrive in order; a client that follows a watch stream rebuilds the server's state with it.
 */
export function applySnapshotChunk(state: FlagState, chunk: SnapshotChunk): void {
  if (chunk.index === 0) state.clear();
  for (const feature of chunk.features) {
    state.features.set(feature.name, { ...feature, customerOverrides: new Map(), userOverrides: new Map() });
  }
  for (const id of chunk.customerIds) state.customers.set(id, { id, createdAt: 0, userIds: new Set() });
  for (const user of chunk.users) state.addUser(user);
  for (const override of chunk.overrides) {
    const feature = state.features.get(override.feature);
    if (feature) state.overridesFor(feature, override.target).set(override.target.id, override.enabled);
  }
  if (chunk.last) {
    state.reindex();
    state.revision = chunk.revision;
  }
}
