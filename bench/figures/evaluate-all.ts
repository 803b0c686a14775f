import { create, toBinary } from "@bufbuild/protobuf";
import { FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import type { BenchServer } from "../lib/bench-server-process.js";
import { ids, type DatasetShape } from "../lib/dataset.js";
import { fmt, judgedRow, type FigureResult, type RunContext } from "../lib/figure.js";
import { grpcFrame } from "../lib/grpc-wire.js";
import { loadAcross, LOAD_SHAPES, shapeLabel, type LoadFigures } from "../lib/h2load-compare.js";
import { expectOk } from "../lib/unary-call.js";
import { byRps, cpuNote, echoTarget, methodPath, rpsRange } from "./evaluate-vs-echo.js";

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
  const [all, echo] = (await loadAcross(ctx, shape0, [
    { server, target, label: "EvaluateAll" },
    { server, target: echoTarget(target), label: "echo" },
  ])) as [LoadFigures, LoadFigures];
  return {
    figure: 8,
    title: TITLE,
    rows: [
      judgedRow({ id: "8", what: `EvaluateAll throughput, ${shapeLabel(shape0)}`, value: fmt.rps(all.rps), baseline: `echo ${fmt.rps(echo.rps)}`, ratios: byRps(all, echo), target: { op: ">=", value: 0.5 }, range: rpsRange(all) }),
    ],
    commands: [...all.commands, ...echo.commands],
    notes: [
      `${shape.features.toLocaleString("en")} features on the small data set; one response is ${answer.length.toLocaleString("en")} bytes. EvaluateAll and echo in paired rounds (see Method). p99 ${fmt.us(all.p99Us)} (echo ${fmt.us(echo.p99Us)}); ${cpuNote(all, echo, ["EvaluateAll", "echo"])}.`,
    ],
  };
}
