import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { changeTarget, type Change as DomainChange, type ChangeKind as DomainChangeKind, type Target as DomainTarget } from "../domain/change.js";
import { DomainError } from "../domain/domain-error.js";
import type { Reason } from "../domain/evaluate.js";
import type { CustomerRecord, FeatureRecord, UserRecord } from "../domain/flag-state.js";
import type { SnapshotChunk as DomainSnapshotChunk } from "../domain/snapshot.js";
import type { Heartbeat as DomainHeartbeat } from "../engine/change-hub.js";
import type { FeatureValue } from "../engine/evaluation-watch.js";
import type { CustomerFeatureFilter as DomainFilter } from "../engine/flag-queries.js";
import {
  ChangeKind,
  ChangeSchema,
  CustomerFeatureFilter,
  CustomerSchema,
  EvaluationReason,
  FeatureEvaluationSchema,
  FeatureSchema,
  HeartbeatSchema,
  OverrideSchema,
  SnapshotChunkSchema,
  TargetSchema,
  UserSchema,
  type Change,
  type FeatureEvaluation,
  type Heartbeat,
  type SnapshotChunk,
  type Customer,
  type Feature,
  type Target,
  type User,
} from "../../gen/flagwire/v1/flags_pb.js";

// Proto <-> domain conversions for the service: pure data mapping, no rules.

/** A feature as the contract shows it, with its override counts. */
export function featureToProto(feature: FeatureRecord): Feature {
  return create(FeatureSchema, {
    name: feature.name,
    enabled: feature.enabled,
    description: feature.description,
    customerOverrideCount: feature.customerOverrides.size,
    userOverrideCount: feature.userOverrides.size,
    createTime: timestampFromMs(feature.createdAt),
    updateTime: timestampFromMs(feature.updatedAt),
  });
}

/** A customer as the contract shows it. */
export function customerToProto(customer: CustomerRecord): Customer {
  return create(CustomerSchema, { id: customer.id, createTime: timestampFromMs(customer.createdAt) });
}

/** A user as the contract shows it; no customer is an empty `customer_id`. */
export function userToProto(user: UserRecord): User {
  return create(UserSchema, {
    id: user.id,
    customerId: user.customerId ?? "",
    createTime: timestampFromMs(user.createdAt),
  });
}

/** Reads the one target of an override request; INVALID_ARGUMENT when none is set. */
export function targetFromProto(target: Target | undefined): DomainTarget {
  switch (target?.kind.case) {
    case "customerId":
      return { kind: "customer", id: target.kind.value };
    case "userId":
      return { kind: "user", id: target.kind.value };
    default:
      throw new DomainError(
        "INVALID_ARGUMENT",
        "target is missing: set exactly one of target.customer_id or target.user_id",
      );
  }
}

function targetToProto(target: DomainTarget): Target["kind"] {
  return target.kind === "customer" ? { case: "customerId", value: target.id } : { case: "userId", value: target.id };
}

/** Evaluation reasons in the contract's enum. */
export const REASON_TO_PROTO: Record<Reason, EvaluationReason> = {
  DEFAULT: EvaluationReason.DEFAULT,
  CUSTOMER_OVERRIDE: EvaluationReason.CUSTOMER_OVERRIDE,
  USER_OVERRIDE: EvaluationReason.USER_OVERRIDE,
};

/** The list filter; INVALID_ARGUMENT for a value this server does not know. */
export function filterFromProto(filter: CustomerFeatureFilter): DomainFilter {
  switch (filter) {
    case CustomerFeatureFilter.UNSPECIFIED:
    case CustomerFeatureFilter.ENABLED:
      return "enabled";
    case CustomerFeatureFilter.EXPLICITLY_ENABLED:
      return "explicitly_enabled";
    case CustomerFeatureFilter.EXPLICITLY_DISABLED:
      return "explicitly_disabled";
    default:
      throw new DomainError(
        "INVALID_ARGUMENT",
        `filter ${filter as number} is unknown: use CUSTOMER_FEATURE_FILTER_ENABLED, _EXPLICITLY_ENABLED or _EXPLICITLY_DISABLED`,
      );
  }
}

const KIND_TO_PROTO: Record<DomainChangeKind, ChangeKind> = {
  "feature.created": ChangeKind.FEATURE_CREATED,
  "feature.renamed": ChangeKind.FEATURE_RENAMED,
  "feature.deleted": ChangeKind.FEATURE_DELETED,
  "feature.enabled_set": ChangeKind.FEATURE_ENABLED_SET,
  "customer.created": ChangeKind.CUSTOMER_CREATED,
  "customer.deleted": ChangeKind.CUSTOMER_DELETED,
  "user.created": ChangeKind.USER_CREATED,
  "user.deleted": ChangeKind.USER_DELETED,
  "override.set": ChangeKind.OVERRIDE_SET,
  "override.cleared": ChangeKind.OVERRIDE_CLEARED,
};

/** A change as the contract shows it: the fields its kind does not use stay at their defaults. */
export function changeToProto(change: DomainChange): Change {
  const message = create(ChangeSchema, {
    revision: BigInt(change.revision),
    time: timestampFromMs(change.at),
    kind: KIND_TO_PROTO[change.kind],
    actor: change.actor ?? "",
  });
  if ("feature" in change) message.feature = change.feature;
  if ("enabled" in change) message.enabled = change.enabled;
  if ("newName" in change) message.newName = change.newName;
  if ("description" in change) message.description = change.description;
  if (change.kind === "user.created") message.customerId = change.customerId ?? "";
  const target = changeTarget(change);
  if (target) message.target = create(TargetSchema, { kind: targetToProto(target) });
  return message;
}

/** A snapshot chunk as the contract shows it; features carry no override counts (the overrides follow). */
export function snapshotChunkToProto(chunk: DomainSnapshotChunk): SnapshotChunk {
  return create(SnapshotChunkSchema, {
    revision: BigInt(chunk.revision),
    index: chunk.index,
    last: chunk.last,
    features: chunk.features.map((feature) =>
      create(FeatureSchema, {
        name: feature.name,
        enabled: feature.enabled,
        description: feature.description,
        createTime: timestampFromMs(feature.createdAt),
        updateTime: timestampFromMs(feature.updatedAt),
      }),
    ),
    customerIds: chunk.customerIds,
    users: chunk.users.map(userToProto),
    overrides: chunk.overrides.map((override) =>
      create(OverrideSchema, {
        feature: override.feature,
        target: create(TargetSchema, { kind: targetToProto(override.target) }),
        enabled: override.enabled,
      }),
    ),
  });
}

/** A heartbeat as the contract shows it. */
export function heartbeatToProto(heartbeat: DomainHeartbeat): Heartbeat {
  return create(HeartbeatSchema, { revision: BigInt(heartbeat.revision), time: timestampFromMs(heartbeat.at) });
}

/** One watched feature's value; a deleted feature has no reason. */
export function featureValueToProto(value: FeatureValue): FeatureEvaluation {
  return create(FeatureEvaluationSchema, {
    feature: value.feature,
    enabled: value.enabled,
    reason: value.reason === null ? EvaluationReason.UNSPECIFIED : REASON_TO_PROTO[value.reason],
    deleted: value.deleted,
  });
}
