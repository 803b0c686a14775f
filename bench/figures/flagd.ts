import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ResolveBooleanRequestSchema, ResolveBooleanResponseSchema, Service as FlagdV1 } from "../../gen/flagd/evaluation/v1/evaluation_pb.js";
import type { BenchServer } from "../lib/bench-server-process.js";
import { ids, type DatasetShape } from "../lib/dataset.js";
import { fmt, judgedRow, type FigureResult, type RunContext } from "../lib/figure.js";
import { grpcFrame } from "../lib/grpc-wire.js";
import { loadAcross, LOAD_SHAPES, shapeLabel, type LoadFigures, type LoadTarget } from "../lib/h2load-compare.js";
import { expectOk } from "../lib/unary-call.js";
import { byRps, cpuNote, evaluateTarget, rpsRange } from "./evaluate-vs-echo.js";

/** flagd's ResolveBoolean for the very context of figure 1's Evaluate: the user as targetingKey, its customer as customerId. */
export function flagdResolveTarget(shape: DatasetShape): LoadTarget {
  const customer = Math.floor(shape.customers / 2);
  const request = create(ResolveBooleanRequestSchema, {
    flagKey: ids.feature(Math.floor(shape.features / 2)),
    context: { targetingKey: ids.user(customer * shape.usersPerCustomer), customerId: ids.customer(customer) },
  });
  return { path: `/${FlagdV1.typeName}/ResolveBoolean`, frame: grpcFrame(toBinary(ResolveBooleanRequestSchema, request)) };
}

/** Figure 14: flagd ResolveBoolean (v1, what `@openfeature/flagd-provider` calls) against Evaluate on the gRPC port, alternately. */
export async function flagdFigure(ctx: RunContext, server: BenchServer, shape: DatasetShape): Promise<FigureResult> {
  const flagd = flagdResolveTarget(shape);
  const evaluate = evaluateTarget(shape);
  const answer = fromBinary(ResolveBooleanResponseSchema, await expectOk(server.grpcUrl, flagd.path, flagd.frame));
  ctx.log(`  ResolveBoolean answers value=${answer.value} reason=${answer.reason} variant=${answer.variant}`);
  const shape0 = LOAD_SHAPES[0] as (typeof LOAD_SHAPES)[number];
  const [resolved, evaluated] = (await loadAcross(ctx, shape0, [
    { server, target: flagd, label: "flagd ResolveBoolean" },
    { server, target: evaluate, label: "Evaluate" },
  ])) as [LoadFigures, LoadFigures];
  return {
    figure: 14,
    title: "flagd ResolveBoolean against Evaluate on the gRPC port",
    rows: [
      judgedRow({
        id: "14",
        what: `flagd ResolveBoolean throughput, ${shapeLabel(shape0)}`,
        value: fmt.rps(resolved.rps),
        baseline: `Evaluate ${fmt.rps(evaluated.rps)}`,
        ratios: byRps(resolved, evaluated),
        target: { op: ">=", value: 0.9 },
        range: rpsRange(resolved),
      }),
    ],
    commands: [...resolved.commands, ...evaluated.commands],
    notes: [
      `Small data set; the same feature, user and customer in both requests, in paired rounds (see Method). p99 ${fmt.us(resolved.p99Us)} (Evaluate ${fmt.us(evaluated.p99Us)}); ${cpuNote(resolved, evaluated, ["ResolveBoolean", "Evaluate"])}. Both have hand codecs on the gRPC port (src/server/grpc/flagd-codec.ts, evaluate-codec.ts); ResolveBoolean's request (a Struct context) and response (value, reason, variant, a Struct of metadata) are larger on the wire.`,
    ],
  };
}
