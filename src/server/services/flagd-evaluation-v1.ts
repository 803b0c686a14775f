import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { EventStreamResponseSchema, Service } from "../../../gen/flagd/evaluation/v1/evaluation_pb.js";
import { createFlagdHandlers } from "./flagd-evaluation.js";
import type { FlagdEngine } from "./flagd-resolve-handlers.js";
import type { EvaluationCounter } from "./evaluate-handlers.js";

/** flagd's evaluation protocol v1 (`flagd.evaluation.v1.Service`), spoken by `@openfeature/flagd-provider` and flagd-web-provider. */
export function createFlagdEvaluationV1(engine: FlagdEngine, usage?: EvaluationCounter): ServiceImpl<typeof Service> {
  return createFlagdHandlers(engine, (event) => create(EventStreamResponseSchema, event), usage);
}
