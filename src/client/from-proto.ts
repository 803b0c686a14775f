import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Change as DomainChange, ChangeData, Target as DomainTarget } from "../domain/change.js";
import type { SnapshotChunk as DomainSnapshotChunk } from "../domain/snapshot.js";
import { ChangeKind, type Change, type SnapshotChunk, type Target } from "../../gen/flagwire/v1/flags_pb.js";

// Wire messages back into the domain's types, so a client can run the domain's own rules on them.

/** A change from a watch stream as the domain's Change; throws on a kind this client does not know. */
export function changeFromProto(change: Change): DomainChange {
  const meta = { revision: Number(change.revision), at: change.time ? timestampMs(change.time) : 0, actor: change.actor || null };
  return { ...changeDataFromProto(change), ...meta };
}

function changeDataFromProto(change: Change): ChangeData {
  const feature = change.feature;
  const enabled = change.enabled ?? false;
  switch (change.kind) {
    case ChangeKind.FEATURE_CREATED:
      return { kind: "feature.created", feature, enabled, description: change.description };
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
      createdAt: feature.createTime ? timestampMs(feature.createTime) : 0,
      updatedAt: feature.updateTime ? timestampMs(feature.updateTime) : 0,
    })),
    customerIds: chunk.customerIds,
    users: chunk.users.map((user) => ({
      id: user.id,
      customerId: user.customerId || null,
      createdAt: user.createTime ? timestampMs(user.createTime) : 0,
    })),
    overrides: chunk.overrides.map((override) => ({
      feature: override.feature,
      target: targetFromProto(override.target),
      enabled: override.enabled,
    })),
  };
}
