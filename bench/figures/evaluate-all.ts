import { create, toBinary } from "@bufbuild/protobuf";
import { FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import type { BenchServer } from "../lib/bench-server-process.js";
import { ids, type DatasetShape } from "../lib/dataset.js";
import { fmt, type FigureResult, type RunContext } from "../lib/figure.js";
import { grpcFrame } from "../lib/grpc-wire.js";
import { loadTargets, LOAD_SHAPES, shapeLabel, type LoadFigures } from "../lib/h2load-compare.js";
import { expectOk } from "../lib/unary-call.js";
import { echoTarget, methodPath } from "./evaluate-vs-echo.js";

const TITLE = "EvaluateAll for 1,000 features against the echo RPC";

/**
 * Figure 8. Looks the RPC up in the generated descriptor rather than importing its types, so that the suite
 * compiles before `EvaluateAll(EvaluateAllRequest{customer_id, user_id})` exists and measures it once it does.
 */
export async function evaluateAllFigure(ctx: RunContext, server: BenchServer, shape: DatasetShape): Promise<FigureResult> {
  const method = FeatureFlagService.methods.find((m) => m.name === "EvaluateAll");
  if (!method) {
    ctx.log("  EvaluateAll: not available on this build");
    return {
      figure: 8,
      title: TITLE,
      rows: [{ id: "8", what: "EvaluateAll throughput, -c 50 -m 10", value: "not available", baseline: "—", ratio: null, target: "≥ 0.5×", pass: null }],
      commands: [],
      notes: ["Not available: `flagwire.v1.FeatureFlagService` has no `EvaluateAll` RPC in gen/ on this build. The harness measures it as soon as it exists."],
    };
  }
  const customer = Math.floor(shape.customers / 2);
  const request = create(method.input, { customerId: ids.customer(customer), userId: ids.user(customer * shape.usersPerCustomer) } as never);
  const target = { path: methodPath(method.name), frame: grpcFrame(toBinary(method.input, request)) };
  const answer = await expectOk(server.grpcUrl, target.path, target.frame);
  ctx.log(`  EvaluateAll answers ${answer.length} bytes`);
  const shape0 = LOAD_SHAPES[0] as (typeof LOAD_SHAPES)[number];
  const [all, echo] = (await loadTargets(ctx, server, shape0, [target, echoTarget(target)])) as [LoadFigures, LoadFigures];
  const ratio = all.rps / echo.rps;
  return {
    figure: 8,
    title: TITLE,
    rows: [{ id: "8", what: `EvaluateAll throughput, ${shapeLabel(shape0)}`, value: fmt.rps(all.rps), baseline: `echo ${fmt.rps(echo.rps)}`, ratio, target: "≥ 0.5×", pass: ratio >= 0.5 }],
    commands: [...all.runs, ...echo.runs].map((r) => r.command),
    notes: [
      `${shape.features.toLocaleString("en")} features on the small data set; one response is ${answer.length.toLocaleString("en")} bytes. p99 ${fmt.us(all.p99Us)} (echo ${fmt.us(echo.p99Us)}); server CPU per call ${all.cpuUsPerCall.toFixed(1)} µs (echo ${echo.cpuUsPerCall.toFixed(1)} µs).`,
    ],
  };
}
