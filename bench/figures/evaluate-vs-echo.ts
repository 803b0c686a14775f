import { create, toBinary } from "@bufbuild/protobuf";
import { EvaluateRequestSchema, EvaluateResponseSchema, FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import { fromBinary } from "@bufbuild/protobuf";
import type { BenchServer } from "../lib/bench-server-process.js";
import { ids, LARGE_DATASET, SMALL_DATASET, type DatasetShape } from "../lib/dataset.js";
import { fmt, judgedRow, rangeOf, type FigureResult, type FigureRow, type RunContext } from "../lib/figure.js";
import { pairedRatios } from "../lib/paired-ratio.js";
import { grpcFrame } from "../lib/grpc-wire.js";
import { loadAcross, LOAD_SHAPES, shapeLabel, type LoadFigures, type LoadTarget } from "../lib/h2load-compare.js";
import { expectOk } from "../lib/unary-call.js";
import { ECHO_PATH } from "../server/echo-service.js";

/** Path of a FeatureFlagService method. */
export function methodPath(name: string): string {
  return `/${FeatureFlagService.typeName}/${name}`;
}

/**
 * The Evaluate request of figures 1 and 2: a feature in the middle of the data set, for a user and its customer
 * given together, so that evaluation makes every lookup it can (user override, customer override, global).
 */
export function evaluateTarget(shape: DatasetShape): LoadTarget {
  const customer = Math.floor(shape.customers / 2);
  const request = create(EvaluateRequestSchema, {
    feature: ids.feature(Math.floor(shape.features / 2)),
    customerId: ids.customer(customer),
    userId: ids.user(customer * shape.usersPerCustomer),
  });
  return { path: methodPath("Evaluate"), frame: grpcFrame(toBinary(EvaluateRequestSchema, request)) };
}

/** The echo baseline, sent the same bytes as the call it is compared with. */
export function echoTarget(like: LoadTarget): LoadTarget {
  return { path: ECHO_PATH, frame: like.frame };
}

/** Evaluate and echo at each load shape of figure 1. */
export interface EvaluateVsEcho {
  evaluate: LoadFigures;
  echo: LoadFigures;
}

/** Checks the request once (h2load cannot see grpc-status), then loads Evaluate and echo in paired rounds. */
export async function measureEvaluateVsEcho(ctx: RunContext, server: BenchServer, target: LoadTarget): Promise<EvaluateVsEcho[]> {
  await checkEvaluate(ctx, server, target);
  const results: EvaluateVsEcho[] = [];
  for (const shape of LOAD_SHAPES) {
    const [evaluate, echo] = (await loadAcross(ctx, shape, [
      { server, target, label: "Evaluate" },
      { server, target: echoTarget(target), label: "echo" },
    ])) as [LoadFigures, LoadFigures];
    results.push({ evaluate, echo });
  }
  return results;
}

async function checkEvaluate(ctx: RunContext, server: BenchServer, target: LoadTarget): Promise<void> {
  const answer = fromBinary(EvaluateResponseSchema, await expectOk(server.grpcUrl, target.path, target.frame));
  ctx.log(`  Evaluate answers enabled=${answer.enabled} reason=${answer.reason} revision=${answer.revision}`);
}

/** Per-round throughput and p99 ratios of two targets measured in the same rounds. */
export const byRps = (a: LoadFigures, b: LoadFigures) => pairedRatios(a.rounds, b.rounds, (x, y) => x.rps / y.rps);
export const byP99 = (a: LoadFigures, b: LoadFigures) => pairedRatios(a.rounds, b.rounds, (x, y) => x.p99Us / y.p99Us);
/** min-max of a target's calls/s over its rounds. */
export const rpsRange = (f: LoadFigures) => rangeOf(f.rounds.map((r) => r.rps), (v) => Math.round(v).toLocaleString("en"));
const p99Range = (f: LoadFigures) => rangeOf(f.rounds.map((r) => r.p99Us), fmt.us);

/** Figure 1: Evaluate against the echo RPC on the same server. */
export function figure1(measured: EvaluateVsEcho[]): FigureResult {
  const rows: FigureRow[] = [];
  LOAD_SHAPES.forEach((shape, i) => {
    const { evaluate, echo } = measured[i] as EvaluateVsEcho;
    const letter = String.fromCharCode(97 + 2 * i);
    rows.push(
      judgedRow({ id: `1${letter}`, what: `Evaluate throughput, ${shapeLabel(shape)}`, value: fmt.rps(evaluate.rps), baseline: `echo ${fmt.rps(echo.rps)}`, ratios: byRps(evaluate, echo), target: { op: ">=", value: 0.9 }, range: rpsRange(evaluate) }),
      judgedRow({ id: `1${String.fromCharCode(98 + 2 * i)}`, what: `Evaluate p99, ${shapeLabel(shape)}`, value: fmt.us(evaluate.p99Us), baseline: `echo ${fmt.us(echo.p99Us)}`, ratios: byP99(evaluate, echo), target: { op: "<=", value: 1.2 }, range: p99Range(evaluate) }),
    );
  });
  return {
    figure: 1,
    title: "Evaluate over gRPC against an echo RPC on the same grpc-js server",
    rows,
    commands: measured.flatMap((m) => [...m.evaluate.commands, ...m.echo.commands]),
    notes: [
      "Small data set (1,000 features, 1,000 customers, 10,000 users, 10,000 overrides). The echo RPC is registered on the same grpc-js `Server` (via `extraGrpcServices`) and answers its request bytes with no decoding, interceptor or logging: it is what the stack costs. Evaluate and echo run in paired rounds (see Method); values and baselines are medians over the rounds, p99s and ratios per round.",
      ...LOAD_SHAPES.map((shape, i) => {
        const m = measured[i] as EvaluateVsEcho;
        return `${shapeLabel(shape)}: Evaluate p50 ${fmt.us(m.evaluate.p50Us)}, echo p50 ${fmt.us(m.echo.p50Us)}; ${cpuNote(m.evaluate, m.echo)}.`;
      }),
    ],
  };
}

/**
 * Figure 2: Evaluate on the large data set's server against Evaluate on a small data set's server, both up at
 * once, in paired rounds across the two servers.
 */
export async function figure2(ctx: RunContext, small: BenchServer, large: BenchServer): Promise<FigureResult> {
  const onSmall = evaluateTarget(SMALL_DATASET);
  const onLarge = evaluateTarget(LARGE_DATASET);
  await checkEvaluate(ctx, small, onSmall);
  await checkEvaluate(ctx, large, onLarge);
  const rows: FigureRow[] = [];
  const notes = [
    "Large data set (1,000 features, 100,000 customers, 1,000,000 users, 1,000,000 overrides), same request shape and id lengths as figure 1, against figure 1's small data set on a second bench server that is up at the same time (pinned to the same core): Evaluate on the two servers in paired rounds (see Method).",
  ];
  const commands: string[] = [];
  for (const [i, shape] of LOAD_SHAPES.entries()) {
    const [l, s] = (await loadAcross(ctx, shape, [
      { server: large, target: onLarge, label: "Evaluate (large)" },
      { server: small, target: onSmall, label: "Evaluate (small)" },
    ])) as [LoadFigures, LoadFigures];
    rows.push(
      judgedRow({
        id: `2${String.fromCharCode(97 + i)}`,
        what: `Evaluate throughput on the large data set, ${shapeLabel(shape)}`,
        value: fmt.rps(l.rps),
        baseline: `small data set ${fmt.rps(s.rps)}`,
        ratios: byRps(l, s),
        target: { op: ">=", value: 0.95 },
        range: rpsRange(l),
      }),
    );
    notes.push(`${shapeLabel(shape)}: server CPU per call: large ${l.cpuUsPerCall.toFixed(1)} µs, small ${s.cpuUsPerCall.toFixed(1)} µs; p99 ${fmt.us(l.p99Us)} (small: ${fmt.us(s.p99Us)}).`);
    commands.push(...l.commands, ...s.commands);
  }
  return { figure: 2, title: "Evaluate with the large data set loaded", rows, commands, notes };
}

/** The server's CPU time per call of two targets, and what it predicts for a saturated, quiet server. */
export function cpuNote(evaluate: LoadFigures, echo: LoadFigures, names = ["Evaluate", "echo"]): string {
  const ratio = echo.cpuUsPerCall / evaluate.cpuUsPerCall;
  return `server CPU per call: ${names[0]} ${evaluate.cpuUsPerCall.toFixed(1)} µs, ${names[1]} ${echo.cpuUsPerCall.toFixed(1)} µs (CPU-bound throughput ratio ${ratio.toFixed(2)}×)`;
}
