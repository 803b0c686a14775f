import type { ChangeData } from "../../src/domain/change.js";

/**
 * A small state with one feature per OpenFeature reason, for the flagd and OFREP tests:
 * - `plain` (on, no targeting): STATIC for everyone;
 * - `targeted` (off): user `u1` overridden on (TARGETING_MATCH), everyone else DEFAULT;
 * - `segmented` (off): segment `beta` (customer `c1`, and so its user `u2`) on (TARGETING_MATCH, segment named);
 * - `rolled` (off): rolled out to every user (SPLIT), DEFAULT without a targeting key.
 */
export const FLAGD_SEED: readonly ChangeData[] = [
  { kind: "feature.created", feature: "plain", enabled: true, description: "", salt: "s1" },
  { kind: "feature.created", feature: "targeted", enabled: false, description: "", salt: "s2" },
  { kind: "feature.created", feature: "segmented", enabled: false, description: "", salt: "s3" },
  { kind: "feature.created", feature: "rolled", enabled: false, description: "", salt: "s4" },
  { kind: "customer.created", customerId: "c1" },
  { kind: "user.created", userId: "u1", customerId: null },
  { kind: "user.created", userId: "u2", customerId: "c1" },
  { kind: "override.set", feature: "targeted", target: { kind: "user", id: "u1" }, enabled: true },
  { kind: "segment.created", segment: "beta" },
  { kind: "segment.members_added", segment: "beta", customerIds: ["c1"], userIds: [] },
  { kind: "segment_rule.set", feature: "segmented", segment: "beta", enabled: true },
  { kind: "rollout.set", feature: "rolled", rollout: { basisPoints: 10_000, stickiness: "user" } },
];
