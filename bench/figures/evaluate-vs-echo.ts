import { create, toBinary } from "@bufbuild/protobuf";
import { EvaluateRequestSchema, EvaluateResponseSchema, FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import { fromBinary } from "@bufbuild/protobuf";
import type { BenchServer } from "../lib/bench-server-process.js";
import { ids, type DatasetShape } from "../lib/dataset.js";
import { fmt, type FigureResult, type FigureRow, type RunContext } from "../lib/figure.js";
import { grpcFrame } from "../lib/grpc-wire.js";
import { loadTargets, LOAD_SHAPES, shapeLabel, type LoadFigures, type LoadTarget } from "../lib/h2load-compare.js";
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

/** Checks the request once (h2load cannot see grpc-status), then loads Evaluate and echo alternately. */
export async function measureEvaluateVsEcho(ctx: RunContext, server: BenchServer, target: LoadTarget): Promise<EvaluateVsEcho[]> {
  const answer = fromBinary(EvaluateResponseSchema, await expectOk(server.grpcUrl, target.path, target.frame));
  ctx.log(`  Evaluate answers enabled=${answer.enabled} reason=${answer.reason} revision=${answer.revision}`);
  const results: EvaluateVsEcho[] = [];
  for (const shape of LOAD_SHAPES) {
    const [evaluate, echo] = (await loadTargets(ctx, server, shape, [target, echoTarget(target)])) as [LoadFigures, LoadFigures];
    results.push({ evaluate, echo });
  }
  return results;
}

/** Figure 1: Evaluate against the echo RPC on the same server. */
export function figure1(measured: EvaluateVsEcho[]): FigureResult {
  const rows: FigureRow[] = [];
  LOAD_SHAPES.forEach((shape, i) => {
    const { evaluate, echo } = measured[i] as EvaluateVsEcho;
    const letter = String.fromCharCode(97 + 2 * i);
    const throughput = evaluate.rps / echo.rps;
    const p99 = evaluate.p99Us / echo.p99Us;
    rows.push(
      row(`1${letter}`, `Evaluate throughput, ${shapeLabel(shape)}`, fmt.rps(evaluate.rps), `echo ${fmt.rps(echo.rps)}`, throughput, "≥ 0.9×", throughput >= 0.9),
      row(`1${String.fromCharCode(98 + 2 * i)}`, `Evaluate p99, ${shapeLabel(shape)}`, fmt.us(evaluate.p99Us), `echo ${fmt.us(echo.p99Us)}`, p99, "≤ 1.2×", p99 <= 1.2),
    );
  });
  return {
    figure: 1,
    title: "Evaluate over gRPC against an echo RPC on the same grpc-js server",
    rows,
    commands: measured.flatMap((m) => [...m.evaluate.runs, ...m.echo.runs].map((r) => r.command)),
    notes: [
      "Small data set (1,000 features, 1,000 customers, 10,000 users, 10,000 overrides). The echo RPC is registered on the same grpc-js `Server` (via `extraGrpcServices`) and answers its request bytes with no decoding, interceptor or logging: it is what the stack costs. Each command below is preceded by a warm-up run of the same command (1 s; 2 s with --full) and, with --full, run 3 times (medians).",
      ...LOAD_SHAPES.map((shape, i) => {
        const m = measured[i] as EvaluateVsEcho;
        return `${shapeLabel(shape)}: Evaluate p50 ${fmt.us(m.evaluate.p50Us)}, echo p50 ${fmt.us(m.echo.p50Us)}; ${cpuNote(m)}.`;
      }),
    ],
  };
}

/** Figure 2: figure 1's Evaluate on the large data set, against figure 1's Evaluate. */
export function figure2(small: EvaluateVsEcho[], large: EvaluateVsEcho[]): FigureResult {
  const rows: FigureRow[] = [];
  const notes = [
    "Large data set (1,000 features, 100,000 customers, 1,000,000 users, 1,000,000 overrides), same request shape and id lengths as figure 1.",
  ];
  LOAD_SHAPES.forEach((shape, i) => {
    const s = small[i] as EvaluateVsEcho;
    const l = large[i] as EvaluateVsEcho;
    const ratio = l.evaluate.rps / s.evaluate.rps;
    // The echo on the large server shows how much the machine drifted between the two servers' runs.
    const drift = (l.evaluate.rps / l.echo.rps) / (s.evaluate.rps / s.echo.rps);
    rows.push(
      row(
        `2${String.fromCharCode(97 + i)}`,
        `Evaluate throughput on the large data set, ${shapeLabel(shape)}`,
        fmt.rps(l.evaluate.rps),
        `figure 1: ${fmt.rps(s.evaluate.rps)} (drift-corrected ratio ${drift.toFixed(2)}×)`,
        ratio,
        "≥ 0.95×",
        ratio >= 0.95,
      ),
    );
    notes.push(
      `${shapeLabel(shape)}: ${cpuNote(l)} (figure 1: Evaluate ${s.evaluate.cpuUsPerCall.toFixed(1)} µs); p99 ${fmt.us(l.evaluate.p99Us)} (figure 1: ${fmt.us(s.evaluate.p99Us)}); echo on this server ${fmt.rps(l.echo.rps)} (figure 1's server: ${fmt.rps(s.echo.rps)}); drift-corrected ratio (Evaluate/echo here over Evaluate/echo in figure 1): ${drift.toFixed(2)}×.`,
    );
  });
  return {
    figure: 2,
    title: "Evaluate with the large data set loaded",
    rows,
    commands: large.flatMap((m) => [...m.evaluate.runs, ...m.echo.runs].map((r) => r.command)),
    notes,
  };
}

/** The server's CPU time per call of both targets, and what it predicts for a saturated, quiet server. */
function cpuNote(m: EvaluateVsEcho): string {
  const ratio = m.echo.cpuUsPerCall / m.evaluate.cpuUsPerCall;
  return `server CPU per call: Evaluate ${m.evaluate.cpuUsPerCall.toFixed(1)} µs, echo ${m.echo.cpuUsPerCall.toFixed(1)} µs (CPU-bound throughput ratio ${ratio.toFixed(2)}×)`;
}

function row(id: string, what: string, value: string, baseline: string, ratio: number, target: string, pass: boolean): FigureRow {
  return { id, what, value, baseline, ratio, target, pass };
}
