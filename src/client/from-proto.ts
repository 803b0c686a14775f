import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Change as DomainChange, ChangeData, Rollout as DomainRollout, Target as DomainTarget } from "../domain/change.js";
import type { SnapshotChunk as DomainSnapshotChunk } from "../domain/snapshot.js";
import { ChangeKind, RolloutStickiness, type Change, type Rollout, type SnapshotChunk, type Target } from "../../gen/flagwire/v1/flags_pb.js";

// Wire messages back into the domain's types, so a client can run the domain's own rules on them.

/** A change from a watch stream as the domain's Change; throws on a kind this client does not know. */
export function changeFromProto(change: Change): DomainChange {
  const meta = { revision: Number(change.revision), at: timeOf(change.time), actor: change.actor || null };
  return { ...changeDataFromProto(change), ...meta };
}

function changeDataFromProto(change: Change): ChangeData {
  const feature = change.feature;
  const enabled = change.enabled ?? false;
  switch (change.kind) {
    case ChangeKind.FEATURE_CREATED:
      return { kind: "feature.created", feature, enabled, description: change.description, salt: change.salt };
    case ChangeKind.FEATURE_RENAMED:
      return { kind: "feature.renamed", feature, newName: change.newName };
    case ChangeKind.FEATURE_DELETED:
      return { kind: "feature.deleted", feature };
    case ChangeKind.FEATURE_ENABLED_SET:
      return { kind: "feature.enabled_set", feature, enabled };
    case ChangeKind.CUSTOMER_CREATED:
      return { kind: "customer.created", customerId: targetFromProto(change.target).id };
    case ChangeKind.CUSTOMER_DELETED:
      return { kind: "customer.deleted", customerId: targetFromProto(change.target).id };
    case ChangeKind.USER_CREATED:
      return { kind: "user.created", userId: targetFromProto(change.target).id, customerId: change.customerId || null };
    case ChangeKind.USER_DELETED:
      return { kind: "user.deleted", userId: targetFromProto(change.target).id };
    case ChangeKind.OVERRIDE_SET:
      return { kind: "override.set", feature, target: targetFromProto(change.target), enabled };
    case ChangeKind.OVERRIDE_CLEARED:
      return { kind: "override.cleared", feature, target: targetFromProto(change.target) };
    case ChangeKind.ROLLOUT_SET:
      return { kind: "rollout.set", feature, rollout: rolloutFromProto(change.rollout) };
    case ChangeKind.ROLLOUT_CLEARED:
      return { kind: "rollout.cleared", feature };
    case ChangeKind.SEGMENT_CREATED:
      return { kind: "segment.created", segment: change.segment };
    case ChangeKind.SEGMENT_RENAMED:
      return { kind: "segment.renamed", segment: change.segment, newName: change.newName };
    case ChangeKind.SEGMENT_DELETED:
      return { kind: "segment.deleted", segment: change.segment };
    case ChangeKind.SEGMENT_MEMBERS_ADDED:
      return { kind: "segment.members_added", segment: change.segment, customerIds: change.memberCustomerIds, userIds: change.memberUserIds };
    case ChangeKind.SEGMENT_MEMBERS_REMOVED:
      return { kind: "segment.members_removed", segment: change.segment, customerIds: change.memberCustomerIds, userIds: change.memberUserIds };
    case ChangeKind.SEGMENT_RULE_SET:
      return { kind: "segment_rule.set", feature, segment: change.segment, enabled };
    case ChangeKind.SEGMENT_RULE_CLEARED:
      return { kind: "segment_rule.cleared", feature, segment: change.segment };
    default:
      // A newer server: a cache that skipped the change would silently drift, so say so.
      throw new Error(`change ${change.revision} has kind ${change.kind}, unknown to this client: upgrade the client`);
  }
}

function targetFromProto(target: Target | undefined): DomainTarget {
  switch (target?.kind.case) {
    case "customerId":
      return { kind: "customer", id: target.kind.value };
    case "userId":
      return { kind: "user", id: target.kind.value };
    default:
      throw new Error("a change arrived without its target");
  }
}

function rolloutFromProto(rollout: Rollout | undefined): DomainRollout {
  if (!rollout) throw new Error("a rollout change arrived without its rollout");
  return { basisPoints: rollout.basisPoints, stickiness: rollout.stickiness === RolloutStickiness.CUSTOMER ? "customer" : "user" };
}

const timeOf = (time: Timestamp | undefined): number => (time ? timestampMs(time) : 0);

/** A snapshot chunk from a watch stream as the domain's SnapshotChunk. */
export function snapshotChunkFromProto(chunk: SnapshotChunk): DomainSnapshotChunk {
  return {
    revision: Number(chunk.revision),
    index: chunk.index,
    last: chunk.last,
    features: chunk.features.map((feature) => ({
      name: feature.name,
      enabled: feature.enabled,
      description: feature.description,
      salt: feature.salt,
      rollout: feature.rollout ? rolloutFromProto(feature.rollout) : null,
      createdAt: timeOf(feature.createTime),
      updatedAt: timeOf(feature.updateTime),
    })),
    customerIds: chunk.customerIds,
    users: chunk.users.map((user) => ({ id: user.id, customerId: user.customerId || null, createdAt: timeOf(user.createTime) })),
    segments: chunk.segments.map((segment) => ({ name: segment.name, createdAt: timeOf(segment.createTime) })),
    segmentMembers: chunk.segmentMembers.map((membership) => ({ segment: membership.segment, member: targetFromProto(membership.member) })),
    overrides: chunk.overrides.map((override) => ({
      feature: override.feature,
      target: targetFromProto(override.target),
      enabled: override.enabled,
    })),
    segmentRules: chunk.segmentRules.map((rule) => ({ feature: rule.feature, segment: rule.segment, enabled: rule.enabled })),
  };
}
