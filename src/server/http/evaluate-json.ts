import { EvaluationReasonSchema, type EvaluateAllResponse, type EvaluateResponse } from "../../../gen/flagwire/v1/flags_pb.js";

/** An EvaluateResponse as FeatureFlagService's implementation answers it: the message's fields, maybe without `$typeName`. */
export type EvaluateOutput = Pick<EvaluateResponse, "enabled" | "reason" | "revision" | "segment">;

/** An EvaluateAllResponse as FeatureFlagService's implementation answers it; `deleted` may be left out (false). */
export interface EvaluateAllOutput {
  evaluations: ReadonlyArray<Pick<EvaluateAllResponse["evaluations"][number], "feature" | "enabled" | "reason" | "segment"> & { deleted?: boolean }>;
  revision: EvaluateAllResponse["revision"];
}

// An enum value protobuf-es knows by name is written by name, any other as its number.
const REASON_NAMES = new Map(EvaluationReasonSchema.values.map((value) => [value.number, JSON.stringify(value.name)]));

function reasonJson(reason: number): string {
  return REASON_NAMES.get(reason) ?? String(reason);
}

/**
 * EvaluateResponse as Connect JSON, byte for byte what connect-node writes with the HTTP port's JSON options
 * (`toJson` with `alwaysEmitImplicit`, then `JSON.stringify`): fields in declaration order, enum names, int64 as a
 * string. Strings go through `JSON.stringify` as protobuf-es's do.
 */
export function encodeEvaluateJson(output: EvaluateOutput): string {
  return `{"enabled":${output.enabled},"reason":${reasonJson(output.reason)},"revision":"${output.revision}","segment":${JSON.stringify(output.segment)}}`;
}

/** EvaluateAllResponse as Connect JSON, byte for byte as connect-node writes it (see {@link encodeEvaluateJson}). */
export function encodeEvaluateAllJson(output: EvaluateAllOutput): string {
  const parts = new Array<string>(output.evaluations.length);
  for (let i = 0; i < parts.length; i++) {
    const { feature, enabled, reason, deleted, segment } = output.evaluations[i] as EvaluateAllOutput["evaluations"][number];
    parts[i] = `{"feature":${JSON.stringify(feature)},"enabled":${enabled},"reason":${reasonJson(reason)},"deleted":${deleted === true},"segment":${JSON.stringify(segment)}}`;
  }
  return `{"evaluations":[${parts.join(",")}],"revision":"${output.revision}"}`;
}
