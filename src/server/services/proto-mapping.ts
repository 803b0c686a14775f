import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  changeTarget,
  type Change as DomainChange,
  type ChangeKind as DomainChangeKind,
  type Rollout as DomainRollout,
  type Target as DomainTarget,
} from "../../domain/change.js";
import { DomainError } from "../../domain/domain-error.js";
import type { SnapshotChunk as DomainSnapshotChunk } from "../../domain/snapshot.js";
import type { Heartbeat as DomainHeartbeat } from "../../engine/change-hub.js";
import type { FeatureValue } from "../../engine/evaluation-watch.js";
import type { Evaluation, Reason } from "../../domain/evaluate.js";
import type { CustomerRecord, FeatureRecord, SegmentRecord, UserRecord } from "../../domain/flag-state.js";
import { compareKeys } from "../../domain/sorted-index.js";
import type { CustomerFeatureFilter as DomainFilter } from "../../engine/flag-queries.js";
import {
  ChangeKind,
  OverrideTargetKind,
  ChangeSchema,
  CustomerFeatureFilter,
  CustomerSchema,
  EvaluationReason,
  FeatureEvaluationSchema,
  FeatureSchema,
  HeartbeatSchema,
  OverrideSchema,
  SnapshotChunkSchema,
  RolloutSchema,
  RolloutStickiness,
  SegmentMembershipSchema,
  SegmentRuleSchema,
  SegmentSchema,
  TargetSchema,
  UserSchema,
  type Change,
  type FeatureEvaluation,
  type Heartbeat,
  type SnapshotChunk,
  type Customer,
  type Feature,
  type Rollout,
  type Segment,
  type Target,
  type User,
} from "../../../gen/flagwire/v1/flags_pb.js";

// Proto <-> domain conversions for the service: pure data mapping, no rules.

/** A feature as the contract shows it, with its override counts. */
export function featureToProto(feature: FeatureRecord): Feature {
  return create(FeatureSchema, {
    name: feature.name,
    enabled: feature.enabled,
    description: feature.description,
    customerOverrideCount: feature.customerOverrides.size,
    userOverrideCount: feature.userOverrides.size,
    ...overrideCounts(feature),
    ...(feature.lastChange
      ? { lastChangeRevision: BigInt(feature.lastChange.revision), lastChangeTime: timestampFromMs(feature.lastChange.at), lastChangeActor: feature.lastChange.actor ?? "" }
      : {}),
    createTime: timestampFromMs(feature.createdAt),
    updateTime: timestampFromMs(feature.updatedAt),
    salt: feature.salt,
    segmentRules: [...feature.segmentRules]
      .sort(([a], [b]) => compareKeys(a.name, b.name))
      .map(([segment, enabled]) => create(SegmentRuleSchema, { feature: feature.name, segment: segment.name, enabled })),
    ...(feature.rollout ? { rollout: rolloutToProto(feature.rollout) } : {}),
  });
}

/** How many of a feature's overrides set it on and off (counted: a page's worth of features, and copies have no indexes). */
function overrideCounts(feature: FeatureRecord): { overrideOnCount: number; overrideOffCount: number } {
  let on = 0;
  for (const enabled of feature.customerOverrides.values()) if (enabled) on++;
  for (const enabled of feature.userOverrides.values()) if (enabled) on++;
  return { overrideOnCount: on, overrideOffCount: feature.customerOverrides.size + feature.userOverrides.size - on };
}

/** A ChangeKind of a request as the domain's kind; INVALID_ARGUMENT for one this server does not know. */
export function kindFromProto(kind: ChangeKind): DomainChangeKind {
  for (const [domain, proto] of Object.entries(KIND_TO_PROTO)) if (proto === kind) return domain as DomainChangeKind;
  throw new DomainError("INVALID_ARGUMENT", `change kind ${kind} is invalid: use one of ${Object.values(KIND_TO_PROTO).map((k) => `CHANGE_KIND_${ChangeKind[k]}`).join(", ")}`);
}

/** The target kind of ListFeatureOverrides; INVALID_ARGUMENT when unset. */
export function overrideKindFromProto(kind: OverrideTargetKind): DomainTarget["kind"] {
  if (kind === OverrideTargetKind.CUSTOMER) return "customer";
  if (kind === OverrideTargetKind.USER) return "user";
  throw new DomainError("INVALID_ARGUMENT", `target_kind ${kind} is invalid: use OVERRIDE_TARGET_KIND_CUSTOMER or OVERRIDE_TARGET_KIND_USER`);
}

/** A segment as the contract shows it, with its counts. */
export function segmentToProto(segment: SegmentRecord): Segment {
  return create(SegmentSchema, {
    name: segment.name,
    customerCount: segment.customerIds.size,
    userCount: segment.userIds.size,
    ruleCount: segment.ruleFeatures.size,
    createTime: timestampFromMs(segment.createdAt),
  });
}

/** A rollout as the contract shows it. */
export function rolloutToProto(rollout: DomainRollout): Rollout {
  return create(RolloutSchema, {
    basisPoints: rollout.basisPoints,
    stickiness: rollout.stickiness === "customer" ? RolloutStickiness.CUSTOMER : RolloutStickiness.USER,
  });
}

/** Reads a requested rollout; INVALID_ARGUMENT when it is missing or its stickiness is unknown (the range is a domain rule). */
export function rolloutFromProto(rollout: Rollout | undefined): DomainRollout {
  if (!rollout) throw new DomainError("INVALID_ARGUMENT", "rollout is missing: set rollout.basis_points (0-10000) and optionally rollout.stickiness");
  switch (rollout.stickiness) {
    case RolloutStickiness.UNSPECIFIED:
    case RolloutStickiness.USER:
      return { basisPoints: rollout.basisPoints, stickiness: "user" };
    case RolloutStickiness.CUSTOMER:
      return { basisPoints: rollout.basisPoints, stickiness: "customer" };
    default:
      throw new DomainError(
        "INVALID_ARGUMENT",
        `stickiness ${rollout.stickiness as number} is unknown: use ROLLOUT_STICKINESS_USER or ROLLOUT_STICKINESS_CUSTOMER`,
      );
  }
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

/** A customer or user as the `kind` of a contract Target. */
export function targetToProto(target: DomainTarget): Target["kind"] {
  return target.kind === "customer" ? { case: "customerId", value: target.id } : { case: "userId", value: target.id };
}

/** Evaluation reasons in the contract's enum. */
export const REASON_TO_PROTO: Record<Reason, EvaluationReason> = {
  DEFAULT: EvaluationReason.DEFAULT,
  CUSTOMER_OVERRIDE: EvaluationReason.CUSTOMER_OVERRIDE,
  USER_OVERRIDE: EvaluationReason.USER_OVERRIDE,
  SEGMENT: EvaluationReason.SEGMENT,
  ROLLOUT: EvaluationReason.ROLLOUT,
  DEFAULT_NO_STICKINESS_ID: EvaluationReason.DEFAULT_NO_STICKINESS_ID,
};

/** An evaluation's fields as the contract's responses carry them (`segment` empty unless the reason is SEGMENT). */
export function evaluationToProto(evaluation: Evaluation): { enabled: boolean; reason: EvaluationReason; segment: string } {
  return { enabled: evaluation.enabled, reason: REASON_TO_PROTO[evaluation.reason], segment: evaluation.segment ?? "" };
}

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
  "rollout.set": ChangeKind.ROLLOUT_SET,
  "rollout.cleared": ChangeKind.ROLLOUT_CLEARED,
  "segment.created": ChangeKind.SEGMENT_CREATED,
  "segment.renamed": ChangeKind.SEGMENT_RENAMED,
  "segment.deleted": ChangeKind.SEGMENT_DELETED,
  "segment.members_added": ChangeKind.SEGMENT_MEMBERS_ADDED,
  "segment.members_removed": ChangeKind.SEGMENT_MEMBERS_REMOVED,
  "segment_rule.set": ChangeKind.SEGMENT_RULE_SET,
  "segment_rule.cleared": ChangeKind.SEGMENT_RULE_CLEARED,
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
  if ("segment" in change) message.segment = change.segment;
  if ("salt" in change) message.salt = change.salt;
  if (change.kind === "rollout.set") message.rollout = rolloutToProto(change.rollout);
  if (change.kind === "segment.members_added" || change.kind === "segment.members_removed") {
    message.memberCustomerIds = change.customerIds;
    message.memberUserIds = change.userIds;
  }
  const target = changeTarget(change);
  if (target) message.target = create(TargetSchema, { kind: targetToProto(target) });
  return message;
}

/** A snapshot chunk as the contract shows it; features carry no counts or rules (those follow). */
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
        salt: feature.salt,
        createTime: timestampFromMs(feature.createdAt),
        updateTime: timestampFromMs(feature.updatedAt),
        ...(feature.rollout ? { rollout: rolloutToProto(feature.rollout) } : {}),
      }),
    ),
    customerIds: chunk.customerIds,
    users: chunk.users.map(userToProto),
    segments: chunk.segments.map((segment) => create(SegmentSchema, { name: segment.name, createTime: timestampFromMs(segment.createdAt) })),
    segmentMembers: chunk.segmentMembers.map((membership) =>
      create(SegmentMembershipSchema, { segment: membership.segment, member: create(TargetSchema, { kind: targetToProto(membership.member) }) }),
    ),
    overrides: chunk.overrides.map((override) =>
      create(OverrideSchema, {
        feature: override.feature,
        target: create(TargetSchema, { kind: targetToProto(override.target) }),
        enabled: override.enabled,
      }),
    ),
    segmentRules: chunk.segmentRules.map((rule) => create(SegmentRuleSchema, rule)),
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
    segment: value.segment ?? "",
    deleted: value.deleted,
  });
}
