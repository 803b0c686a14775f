import type { Rollout, Target } from "./change.js";
import type { FeatureRecord, FlagState, SegmentMembership, SegmentRule } from "./flag-state.js";

/** A feature as a snapshot carries it: without overrides and segment rules (those come separately). */
export interface SnapshotFeature {
  readonly name: string;
  readonly enabled: boolean;
  readonly description: string;
  readonly salt: string;
  readonly rollout: Rollout | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A user as a snapshot carries it. */
export interface SnapshotUser {
  readonly id: string;
  readonly customerId: string | null;
  readonly createdAt: number;
}

/** A segment as a snapshot carries it: its members and rules come separately. */
export interface SnapshotSegment {
  readonly name: string;
  readonly createdAt: number;
}

/** An override as a snapshot carries it. */
export interface SnapshotOverride {
  readonly feature: string;
  readonly target: Target;
  readonly enabled: boolean;
}

/**
 * One part of the whole state at `revision`. Parts come in order: features, customers, users,
 * segments, segment members, overrides, segment rules, so each part refers only to what earlier parts
 * (or itself) carried.
 */
export interface SnapshotChunk {
  readonly revision: number;
  readonly index: number;
  readonly last: boolean;
  readonly features: SnapshotFeature[];
  readonly customerIds: string[];
  readonly users: SnapshotUser[];
  readonly segments: SnapshotSegment[];
  readonly segmentMembers: SegmentMembership[];
  readonly overrides: SnapshotOverride[];
  readonly segmentRules: SegmentRule[];
}

/** Entries per chunk: small enough for any gRPC message limit, large enough to keep per-message cost low. */
export const SNAPSHOT_CHUNK_ENTRIES = 1_000;

/** One list of a snapshot: how long it is, and how to put its i-th entry into a chunk. */
interface Section {
  readonly length: number;
  take(i: number, chunk: SnapshotChunk): void;
}

const CUSTOMER = 0;
const USER = 1;

/**
 * Captures the state at its current revision and returns its chunks, built lazily as they are read.
 *
 * The capture is synchronous and copies references only (names, ids and packed flags), so the chunks
 * stay exact while the live state moves on; for a million overrides it holds about 13 MB until the
 * last chunk is read. With `features`, only those features, their overrides and their segment rules
 * are included (customers, users and segments always are: any of them may matter to a feature later).
 */
export function captureSnapshot(state: FlagState, features?: ReadonlySet<string>): Iterable<SnapshotChunk> {
  const revision = state.revision;
  const featureList: SnapshotFeature[] = [];
  const overrides = new PackedTargets();
  const rules: SegmentRule[] = [];
  for (const feature of state.features.values()) {
    if (features && !features.has(feature.name)) continue;
    featureList.push(snapshotFeature(feature));
    for (const [id, enabled] of feature.customerOverrides) overrides.push(feature.name, CUSTOMER, id, enabled);
    for (const [id, enabled] of feature.userOverrides) overrides.push(feature.name, USER, id, enabled);
    for (const [segment, enabled] of feature.segmentRules) rules.push({ feature: feature.name, segment: segment.name, enabled });
  }
  const segments: SnapshotSegment[] = [];
  const members = new PackedTargets();
  for (const segment of state.segments.values()) {
    segments.push({ name: segment.name, createdAt: segment.createdAt });
    for (const id of segment.customerIds) members.push(segment.name, CUSTOMER, id, true);
    for (const id of segment.userIds) members.push(segment.name, USER, id, true);
  }
  const customerIds = [...state.customers.keys()];
  // User records are immutable: sharing them is as exact as copying.
  const users: SnapshotUser[] = [...state.users.values()];
  return chunksOf(revision, [
    { length: featureList.length, take: (i, chunk) => chunk.features.push(featureList[i] as SnapshotFeature) },
    { length: customerIds.length, take: (i, chunk) => chunk.customerIds.push(customerIds[i] as string) },
    { length: users.length, take: (i, chunk) => chunk.users.push(users[i] as SnapshotUser) },
    { length: segments.length, take: (i, chunk) => chunk.segments.push(segments[i] as SnapshotSegment) },
    { length: members.length, take: (i, chunk) => chunk.segmentMembers.push({ segment: members.owner(i), member: members.target(i) }) },
    {
      length: overrides.length,
      take: (i, chunk) => chunk.overrides.push({ feature: overrides.owner(i), target: overrides.target(i), enabled: overrides.enabled(i) }),
    },
    { length: rules.length, take: (i, chunk) => chunk.segmentRules.push(rules[i] as SegmentRule) },
  ]);
}

/** (owner, customer-or-user id, flag) triples in parallel arrays: a few bytes each instead of an object. */
class PackedTargets {
  private readonly owners: string[] = [];
  private readonly ids: string[] = [];
  private readonly bits: number[] = [];

  get length(): number {
    return this.ids.length;
  }

  push(owner: string, kind: number, id: string, enabled: boolean): void {
    this.owners.push(owner);
    this.ids.push(id);
    this.bits.push(kind * 2 + (enabled ? 1 : 0));
  }

  owner(i: number): string {
    return this.owners[i] as string;
  }

  target(i: number): Target {
    const id = this.ids[i] as string;
    return (this.bits[i] as number) >> 1 === USER ? { kind: "user", id } : { kind: "customer", id };
  }

  enabled(i: number): boolean {
    return ((this.bits[i] as number) & 1) === 1;
  }
}

function* chunksOf(revision: number, sections: readonly Section[]): Generator<SnapshotChunk> {
  const total = sections.reduce((sum, section) => sum + section.length, 0);
  let index = 0;
  let position = 0;
  // One running position across the sections: a chunk may end one list and start the next.
  do {
    const end = Math.min(total, position + SNAPSHOT_CHUNK_ENTRIES);
    const chunk = emptyChunk(revision, index, end === total);
    let offset = 0;
    for (const section of sections) {
      for (let i = Math.max(position, offset); i < Math.min(end, offset + section.length); i++) section.take(i - offset, chunk);
      offset += section.length;
    }
    yield chunk;
    position = end;
    index++;
  } while (position < total);
}

function emptyChunk(revision: number, index: number, last: boolean): SnapshotChunk {
  return { revision, index, last, features: [], customerIds: [], users: [], segments: [], segmentMembers: [], overrides: [], segmentRules: [] };
}

function snapshotFeature(feature: FeatureRecord): SnapshotFeature {
  return {
    name: feature.name,
    enabled: feature.enabled,
    description: feature.description,
    salt: feature.salt,
    rollout: feature.rollout,
    createdAt: feature.createdAt,
    updatedAt: feature.updatedAt,
  };
}

/**
 * Loads one chunk into `state`: the chunk with index 0 first empties it, the last one sets its revision.
 * Chunks must arrive in order; a client that follows a watch stream rebuilds the server's state with it.
 */
export function applySnapshotChunk(state: FlagState, chunk: SnapshotChunk): void {
  if (chunk.index === 0) state.clear();
  for (const feature of chunk.features) state.addFeature(feature);
  for (const id of chunk.customerIds) state.customers.set(id, { id, createdAt: 0, userIds: new Set() });
  for (const user of chunk.users) state.addUser(user);
  for (const segment of chunk.segments) state.addSegment(segment.name, segment.createdAt);
  for (const { segment, member } of chunk.segmentMembers) {
    const record = state.segments.get(segment);
    if (record) (member.kind === "customer" ? record.customerIds : record.userIds).add(member.id);
  }
  for (const override of chunk.overrides) {
    const feature = state.features.get(override.feature);
    if (feature) state.overridesFor(feature, override.target).set(override.target.id, override.enabled);
  }
  for (const rule of chunk.segmentRules) {
    const feature = state.features.get(rule.feature);
    const segment = state.segments.get(rule.segment);
    if (feature && segment) state.setSegmentRule(feature, segment, rule.enabled);
  }
  if (chunk.last) {
    state.reindex();
    state.revision = chunk.revision;
  }
}
