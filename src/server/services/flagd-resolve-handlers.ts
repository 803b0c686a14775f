import type { JsonObject } from "@bufbuild/protobuf";
import type { Evaluation } from "../../domain/evaluate.js";
import { hasTargeting } from "../../domain/has-targeting.js";
import { flagwireMetadata, openFeatureReason, variantOf } from "../../domain/open-feature.js";
import type { FlagEngine } from "../../engine/flag-engine.js";
import type { EvaluationCounter } from "./evaluate-handlers.js";
import { contextFromOpenFeature } from "./flagd-context.js";

/** What the flagd services need from the engine: evaluation (the same path as Evaluate), the state and watches. */
export type FlagdEngine = Pick<FlagEngine, "revision" | "state" | "evaluate" | "evaluateAll" | "getFeature" | "watch">;

/** A flagd request for one flag: its key and OpenFeature context. */
export interface FlagRequest {
  flagKey: string;
  context?: JsonObject | undefined;
}

/** One flag's resolution as both flagd versions shape it (v2 only makes value and variant optional). */
export interface FlagdResolution {
  value: boolean;
  reason: string;
  variant: string;
  metadata: JsonObject;
}

/** One flag's resolution as domain values: the evaluation, whether the flag has targeting, and the revision. */
export interface FlagdResolutionAt {
  evaluation: Evaluation;
  /** Whether anything but the global value could decide the flag (STATIC or DEFAULT: see openFeatureReason). */
  targeted: boolean;
  revision: number;
}

// A type, not an interface: the gRPC adapter takes it as a record of handlers, which an interface is not.
/**
 * ResolveBoolean up to domain values. The flagd services map its answer to messages (both listeners); the gRPC
 * listener serves it as it is and writes the bytes with its codec (grpc/create-flagd-grpc-service.ts), since the
 * Struct of metadata cost more through protobuf-es than the evaluation.
 */
export type FlagdResolveHandlers = {
  resolveBoolean(request: FlagRequest): FlagdResolutionAt;
};

/**
 * Our evaluation as flagd's resolution: value, OpenFeature reason, variant "on"/"off", and flag metadata with
 * flagwire's own reason, the deciding segment and the revision the answer holds at.
 */
export function flagdResolution({ evaluation, targeted, revision }: FlagdResolutionAt): FlagdResolution {
  const metadata = flagwireMetadata(evaluation, revision) as unknown as JsonObject;
  return { value: evaluation.enabled, reason: openFeatureReason(evaluation.reason, targeted), variant: variantOf(evaluation.enabled), metadata };
}

/**
 * One flag resolved for a flagd request, with the same checks as Evaluate (a valid context, a known flag), and not
 * counted as usage: the caller counts it once it is answered.
 */
export function resolveFlag(engine: FlagdEngine, request: FlagRequest): FlagdResolutionAt {
  const evaluation = engine.evaluate(request.flagKey, contextFromOpenFeature(request.context));
  return { evaluation, targeted: hasTargeting(engine.getFeature(request.flagKey)), revision: engine.revision };
}

/**
 * ResolveBoolean of both flagd versions, up to domain values: the context read as flagd providers send it, the
 * value decided by the engine's evaluation (as for Evaluate), and each successful resolution counted in `usage`.
 */
export function createFlagdResolveHandlers(engine: FlagdEngine, usage?: EvaluationCounter): FlagdResolveHandlers {
  return {
    resolveBoolean(request) {
      const answer = resolveFlag(engine, request);
      usage?.count(request.flagKey);
      return answer;
    },
  };
}
