import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  CustomerFeatureFilter,
  ListCustomersWithFeatureRequestSchema,
  ListCustomersWithFeatureResponseSchema,
} from "../../gen/flagwire/v1/flags_pb.js";
import { encodePageToken } from "../../src/domain/pagination.js";
import type { BenchServer } from "../lib/bench-server-process.js";
import { ids, type DatasetShape } from "../lib/dataset.js";
import { fmt, rangeOf, type FigureResult, type FigureRow, type RunContext } from "../lib/figure.js";
import { grpcFrame } from "../lib/grpc-wire.js";
import { median } from "../lib/stats.js";
import { callUnary, connect } from "../lib/unary-call.js";
import { methodPath } from "./evaluate-vs-echo.js";

const PAGE_SIZE = 1000;
const TARGET_MS = 5;
const FILTERS = [
  ["enabled", CustomerFeatureFilter.ENABLED],
  ["explicitly enabled", CustomerFeatureFilter.EXPLICITLY_ENABLED],
  ["explicitly disabled", CustomerFeatureFilter.EXPLICITLY_DISABLED],
] as const;

/** Where a page starts: after the customer at this fraction of the key range (none: the first page). */
const POSITIONS = [
  ["first page", null],
  ["middle", 0.5],
  ["last 1%", 0.99],
] as const;

/**
 * Figure 7: one page of 1,000 ListCustomersWithFeature ids per filter, at the start, middle and end of the
 * 100,000 customers, for the hot feature (an override on every other customer) and a sparse one (a few hundred
 * overrides, so a filtered page must look through every customer to fill up). Page tokens for the middle and the
 * end are made with the server's own encoder (the bench may know what is opaque to clients). Latency is the
 * client's round trip on one connection, median of repeated calls; the server's CPU time per call is reported
 * beside it, as it hardly changes when other work shares the core.
 */
export async function listPagesFigure(ctx: RunContext, server: BenchServer, shape: DatasetShape): Promise<FigureResult> {
  const repeats = ctx.full ? 50 : 10;
  const features = [
    ["hot", ids.hotFeature],
    ["sparse", ids.feature(1)],
  ] as const;
  const session = await connect(server.grpcUrl);
  const rows: FigureRow[] = [];
  const notes: string[] = [];
  try {
    for (const [index, [filterName, filter]] of FILTERS.entries()) {
      let worst = 0;
      let worstWhere = "";
      let worstTimes: number[] = [];
      const cells: string[] = [];
      for (const [featureName, feature] of features) {
        for (const [positionName, at] of POSITIONS) {
          const pageToken = at === null ? "" : encodePageToken("customers-with-feature", ids.customer(Math.floor(at * shape.customers)));
          const frame = grpcFrame(
            toBinary(ListCustomersWithFeatureRequestSchema, create(ListCustomersWithFeatureRequestSchema, { feature, filter, pageSize: PAGE_SIZE, pageToken })),
          );
          const times: number[] = [];
          let items = 0;
          let cpuBefore = 0;
          for (let i = 0; i < repeats + 2; i++) {
            if (i === 2) cpuBefore = (await server.stats(false)).cpuMs;
            const started = performance.now();
            const outcome = await callUnary(session, methodPath("ListCustomersWithFeature"), frame);
            const ms = performance.now() - started;
            if (outcome.status !== 0) throw new Error(`ListCustomersWithFeature failed: ${outcome.status} ${outcome.message}`);
            items = fromBinary(ListCustomersWithFeatureResponseSchema, outcome.body).customerIds.length;
            if (i >= 2) times.push(ms); // the first two warm up
          }
          const cpuMs = ((await server.stats(false)).cpuMs - cpuBefore) / repeats;
          const ms = median(times);
          cells.push(`${featureName}/${positionName}: ${fmt.ms(ms)}, server CPU ${fmt.ms(cpuMs)} (${items} ids)`);
          if (ms > worst) {
            worst = ms;
            worstWhere = `${featureName} feature, ${positionName}`;
            worstTimes = times;
          }
        }
      }
      ctx.log(`  ${filterName}: ${cells.join(", ")}`);
      rows.push({
        id: `7${String.fromCharCode(97 + index)}`,
        what: `ListCustomersWithFeature, ${filterName}, page of ${PAGE_SIZE} (slowest position)`,
        value: `${fmt.ms(worst)} (${worstWhere})`,
        baseline: "—",
        ratio: null,
        target: `≤ ${TARGET_MS} ms at every position`,
        pass: worst <= TARGET_MS,
        ...(worstTimes.length > 1 ? { range: `${rangeOf(worstTimes, fmt.ms)} over the slowest position's ${worstTimes.length} calls` } : {}),
      });
      notes.push(`${filterName}: ${cells.join("; ")}.`);
    }
  } finally {
    session.close();
  }
  return {
    figure: 7,
    title: `ListCustomersWithFeature over ${shape.customers.toLocaleString("en")} customers, page of ${PAGE_SIZE}`,
    rows,
    commands: ["npm run bench -- --only 7"],
    notes: [
      `Median client round trip of ${repeats} calls per cell (after 2 warm-up calls), one connection, large data set; "server CPU" is the server process's CPU time (user + system) over those calls, divided by their number.`,
      ...notes,
    ],
  };
}
