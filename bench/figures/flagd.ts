import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ResolveBooleanRequestSchema, ResolveBooleanResponseSchema, Service as FlagdV1 } from "../../gen/flagd/evaluation/v1/evaluation_pb.js";
import type { BenchServer } from "../lib/bench-server-process.js";
import { ids, type DatasetShape } from "../lib/dataset.js";
import { fmt, type FigureResult, type RunContext } from "../lib/figure.js";
import { grpcFrame } from "../lib/grpc-wire.js";
import { loadTargets, LOAD_SHAPES, shapeLabel, type LoadFigures, type LoadTarget } from "../lib/h2load-compare.js";
import { expectOk } from "../lib/unary-call.js";
import { evaluateTarget } from "./evaluate-vs-echo.js";

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
  // Evaluate first: its warm-up also warms the server's shared paths (the listener, the interceptor, the engine).
  const [evaluated, resolved] = (await loadTargets(ctx, server, shape0, [evaluate, flagd])) as [LoadFigures, LoadFigures];
  const ratio = resolved.rps / evaluated.rps;
  return {
    figure: 14,
    title: "flagd ResolveBoolean against Evaluate on the gRPC port",
    rows: [
      {
        id: "14",
        what: `flagd ResolveBoolean throughput, ${shapeLabel(shape0)}`,
        value: fmt.rps(resolved.rps),
        baseline: `Evaluate ${fmt.rps(evaluated.rps)}`,
        ratio,
        target: "≥ 0.9×",
        pass: ratio >= 0.9,
      },
    ],
    commands: [...resolved.runs, ...evaluated.runs].map((r) => r.command),
    notes: [
      `Small data set; the same feature, user and customer in both requests. p99 ${fmt.us(resolved.p99Us)} (Evaluate ${fmt.us(evaluated.p99Us)}); server CPU per call ${resolved.cpuUsPerCall.toFixed(1)} µs (Evaluate ${evaluated.cpuUsPerCall.toFixed(1)} µs). ResolveBoolean reads a Struct context and writes a Struct of metadata with protobuf-es; Evaluate has hand codecs.`,
    ],
  };
}
