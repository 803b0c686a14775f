import { ChangeKind, type Change } from "../../gen/flagwire/v1/flags_pb.js";
import { rolloutText } from "./format.js";

/** The kinds a history filter offers, with the words people use for them. */
export const KIND_LABELS: ReadonlyArray<[ChangeKind, string]> = [
  [ChangeKind.FEATURE_CREATED, "Feature created"],
  [ChangeKind.FEATURE_RENAMED, "Feature renamed"],
  [ChangeKind.FEATURE_DELETED, "Feature deleted"],
  [ChangeKind.FEATURE_ENABLED_SET, "Global value set"],
  [ChangeKind.OVERRIDE_SET, "Override set"],
  [ChangeKind.OVERRIDE_CLEARED, "Override cleared"],
  [ChangeKind.ROLLOUT_SET, "Rollout set"],
  [ChangeKind.ROLLOUT_CLEARED, "Rollout cleared"],
  [ChangeKind.SEGMENT_RULE_SET, "Segment rule set"],
  [ChangeKind.SEGMENT_RULE_CLEARED, "Segment rule cleared"],
  [ChangeKind.CUSTOMER_CREATED, "Customer created"],
  [ChangeKind.CUSTOMER_DELETED, "Customer deleted"],
  [ChangeKind.USER_CREATED, "User created"],
  [ChangeKind.USER_DELETED, "User deleted"],
  [ChangeKind.SEGMENT_CREATED, "Segment created"],
  [ChangeKind.SEGMENT_RENAMED, "Segment renamed"],
  [ChangeKind.SEGMENT_DELETED, "Segment deleted"],
  [ChangeKind.SEGMENT_MEMBERS_ADDED, "Segment members added"],
  [ChangeKind.SEGMENT_MEMBERS_REMOVED, "Segment members removed"],
];

const onOff = (enabled: boolean | undefined) => (enabled ? "on" : "off");

function target(change: Change): string {
  const kind = change.target?.kind;
  if (!kind?.case) return "";
  return kind.case === "customerId" ? `customer ${kind.value}` : `user ${kind.value}`;
}

/** One line saying what a change did, in plain words. */
export function describeChange(change: Change): string {
  const f = change.feature;
  switch (change.kind) {
    case ChangeKind.FEATURE_CREATED:
      return `created ${f} (${onOff(change.enabled)})`;
    case ChangeKind.FEATURE_RENAMED:
      return `renamed ${f} to ${change.newName}`;
    case ChangeKind.FEATURE_DELETED:
      return `deleted ${f}`;
    case ChangeKind.FEATURE_ENABLED_SET:
      return `switched ${f} ${onOff(change.enabled)} globally`;
    case ChangeKind.OVERRIDE_SET:
      return `set ${f} ${onOff(change.enabled)} for ${target(change)}`;
    case ChangeKind.OVERRIDE_CLEARED:
      return `cleared the override of ${f} for ${target(change)}`;
    case ChangeKind.ROLLOUT_SET:
      return `set the rollout of ${f} to ${rolloutText(change.rollout)}`;
    case ChangeKind.ROLLOUT_CLEARED:
      return `cleared the rollout of ${f}`;
    case ChangeKind.SEGMENT_RULE_SET:
      return `set ${f} ${onOff(change.enabled)} for segment ${change.segment}`;
    case ChangeKind.SEGMENT_RULE_CLEARED:
      return `cleared the rule of ${f} for segment ${change.segment}`;
    case ChangeKind.CUSTOMER_CREATED:
    case ChangeKind.USER_CREATED:
      return `created ${target(change)}${change.customerId ? ` of customer ${change.customerId}` : ""}`;
    case ChangeKind.CUSTOMER_DELETED:
    case ChangeKind.USER_DELETED:
      return `deleted ${target(change)}`;
    case ChangeKind.SEGMENT_CREATED:
      return `created segment ${change.segment}`;
    case ChangeKind.SEGMENT_RENAMED:
      return `renamed segment ${change.segment} to ${change.newName}`;
    case ChangeKind.SEGMENT_DELETED:
      return `deleted segment ${change.segment}`;
    case ChangeKind.SEGMENT_MEMBERS_ADDED:
    case ChangeKind.SEGMENT_MEMBERS_REMOVED: {
      const verb = change.kind === ChangeKind.SEGMENT_MEMBERS_ADDED ? "added" : "removed";
      const ids = [...change.memberCustomerIds.map((id) => `customer ${id}`), ...change.memberUserIds.map((id) => `user ${id}`)];
      const shown = ids.length > 5 ? `${ids.slice(0, 5).join(", ")} and ${ids.length - 5} more` : ids.join(", ");
      return `${verb} ${shown} ${verb === "added" ? "to" : "from"} segment ${change.segment}`;
    }
    default:
      return `change of kind ${change.kind}`;
  }
}
