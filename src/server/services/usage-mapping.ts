import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { StaleReason as ProtoStaleReason, type Feature } from "../../../gen/flagwire/v1/flags_pb.js";
import type { StaleReason } from "../../domain/stale.js";
import type { UsageSummary } from "../../engine/usage-tracker.js";

const REASONS: Record<StaleReason, ProtoStaleReason> = {
  NOT_EVALUATED: ProtoStaleReason.NOT_EVALUATED,
  UNIFORM: ProtoStaleReason.UNIFORM,
};

/** Sets a Feature message's usage fields (20-24) from the tracker's summary and, for a stale query, the reasons. */
export function withUsage(feature: Feature, usage: UsageSummary, reasons: readonly StaleReason[] = []): Feature {
  if (usage.lastEvaluatedAt !== undefined) feature.lastEvaluateTime = timestampFromMs(usage.lastEvaluatedAt);
  feature.evaluationsToday = BigInt(usage.today);
  feature.evaluations7d = BigInt(usage.last7Days);
  feature.evaluations30d = BigInt(usage.last30Days);
  feature.staleReasons = reasons.map((reason) => REASONS[reason]);
  return feature;
}
