import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { EventStreamResponseSchema, Service } from "../../../gen/flagd/evaluation/v2/evaluation_pb.js";
import { createFlagdHandlers } from "./flagd-evaluation.js";
import type { FlagdEngine } from "./flagd-resolve-handlers.js";
import type { EvaluationCounter } from "./evaluate-handlers.js";

/** flagd's evaluation protocol v2 (`flagd.evaluation.v2.Service`): v1 with optional values and variants. */
export function createFlagdEvaluationV2(engine: FlagdEngine, usage?: EvaluationCounter): ServiceImpl<typeof Service> {
  return createFlagdHandlers(engine, (event) => create(EventStreamResponseSchema, event), usage);
}
