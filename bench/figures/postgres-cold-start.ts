import type { ServerStats } from "../lib/bench-server-protocol.js";
import type { BenchServer } from "../lib/bench-server-process.js";
import { fmt, type FigureResult } from "../lib/figure.js";

const SERVING_TARGET_MS = 10_000;
const RSS_TARGET_BYTES = 2 ** 30;

/** What loading the large data set into PostgreSQL took (`flagwire migrate`'s copier), for the notes. */
export interface MigrateFigures {
  ms: number;
  counts: Record<string, number>;
}

/** Figure 12: a replica's cold start from PostgreSQL with the large data set. */
export function postgresColdStartFigure(server: BenchServer, servingMs: number, stats: ServerStats, migrated: MigrateFigures): FigureResult {
  const rows = Object.entries(migrated.counts).map(([table, n]) => `${n.toLocaleString("en")} ${table}`).join(", ");
  return {
    figure: 12,
    title: "Cold start of a replica from PostgreSQL, large data set",
    rows: [
      { id: "12a", what: "time to serving (spawn to first OK Evaluate)", value: fmt.s(servingMs), baseline: "—", ratio: null, target: "≤ 10 s", pass: servingMs <= SERVING_TARGET_MS },
      { id: "12b", what: "peak RSS during start (VmHWM)", value: fmt.mib(stats.peakRssBytes), baseline: "—", ratio: null, target: "≤ 1 GiB", pass: stats.peakRssBytes <= RSS_TARGET_BYTES },
    ],
    commands: ["npm run bench -- --only 12"],
    notes: [
      `The large data set (figure 6's) copied into PostgreSQL by \`flagwire migrate\`'s copier in ${fmt.s(migrated.ms)} (one transaction, column-array INSERTs): ${rows}. Then a bench server on the URL: listeners up after ${fmt.s(server.readyMs)}; it reads every table over the network (PostgreSQL on the same machine, its pages cached).`,
      `RSS right after the first call ${fmt.mib(stats.rssBytes)}, V8 heap used ${fmt.mib(stats.heapUsedBytes)}; server CPU up to then ${fmt.s(stats.cpuMs)}.`,
    ],
  };
}
