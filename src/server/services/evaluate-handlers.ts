import type { Evaluation } from "../../domain/evaluate.js";
import type { FlagEngine } from "../../engine/flag-engine.js";
import type { UsageTracker } from "../../engine/usage-tracker.js";
import type { EvaluateAllRequest, EvaluateRequest } from "../../../gen/flagwire/v1/flags_pb.js";

/** What the evaluate handlers need from the engine. */
export type EvaluateEngine = Pick<FlagEngine, "revision" | "evaluate" | "evaluateAll">;

/** An Evaluate answer as domain values: the evaluation, and the revision it holds at. */
export interface EvaluationAt {
  evaluation: Evaluation;
  revision: number;
}

/** An EvaluateAll answer as domain values: `features[i]` evaluated to `evaluations[i]`, at `revision`. */
export interface EvaluationsAt {
  features: readonly string[];
  evaluations: readonly Evaluation[];
  revision: number;
  /**
   * The same features' evaluations for the empty context, one array per revision, which most of `evaluations`
   * equals: the gRPC encoder caches its bytes and writes only what differs. Optional: answers without it encode alike.
   */
  anonymous?: readonly Evaluation[];
}

// A type, not an interface: the gRPC adapter takes it as a record of handlers, which an interface is not.
/**
 * Evaluate and EvaluateAll up to domain values. FeatureFlagService maps these to messages (both listeners); the
 * gRPC listener serves them as they are and writes their bytes by hand (grpc/create-flag-grpc-service.ts), since building
 * messages there cost more than evaluating.
 */
export type EvaluateHandlers = {
  evaluate(request: EvaluateRequest): EvaluationAt;
  evaluateAll(request: EvaluateAllRequest): EvaluationsAt;
};

/** Where the evaluate handlers count each feature they evaluate (flag usage). */
export type EvaluationCounter = Pick<UsageTracker, "count" | "countAll" | "countMany">;

/**
 * The evaluate handlers over `engine`: one place that reads a request's context, for both forms of the answer, and
 * that counts every evaluation in `usage` (every protocol's evaluations come through here), once it succeeded.
 */
export function createEvaluateHandlers(engine: EvaluateEngine, usage?: EvaluationCounter): EvaluateHandlers {
  return {
    evaluate(request) {
      const evaluation = engine.evaluate(request.feature, { customerId: request.customerId, userId: request.userId });
      usage?.count(request.feature);
      return { evaluation, revision: engine.revision };
    },
    evaluateAll(request) {
      const all = engine.evaluateAll({ customerId: request.customerId, userId: request.userId });
      usage?.countAll(all.features);
      return all;
    },
  };
}
