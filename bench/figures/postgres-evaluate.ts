import type { BenchServer } from "../lib/bench-server-process.js";
import type { DatasetShape } from "../lib/dataset.js";
import { fmt, judgedRow, type FigureResult, type RunContext } from "../lib/figure.js";
import { loadAcross, LOAD_SHAPES, shapeLabel, type LoadFigures, type LoadShape } from "../lib/h2load-compare.js";
import { expectOk } from "../lib/unary-call.js";
import { byRps, cpuNote, evaluateTarget, rpsRange } from "./evaluate-vs-echo.js";

/**
 * Figure 9: Evaluate on a PostgreSQL-backed replica against the SQLite-backed server, same data set, same load,
 * measured alternately in the same run. Evaluation reads memory on both, so the backend should not show.
 */
export async function postgresEvaluateFigure(ctx: RunContext, sqlite: BenchServer, postgres: BenchServer, shape: DatasetShape): Promise<FigureResult> {
  const load = LOAD_SHAPES[0] as LoadShape;
  const target = evaluateTarget(shape);
  // One checked call each first (h2load cannot see grpc-status), which also warms both up.
  for (const server of [sqlite, postgres]) await expectOk(server.grpcUrl, target.path, target.frame);
  const [onPostgres, onSqlite] = (await loadAcross(ctx, load, [
    { server: postgres, target, label: "Evaluate (PostgreSQL-backed)" },
    { server: sqlite, target, label: "Evaluate (SQLite-backed)" },
  ])) as [LoadFigures, LoadFigures];
  return {
    figure: 9,
    title: "Evaluate on a PostgreSQL-backed replica vs the SQLite-backed server",
    rows: [
      judgedRow({
        id: "9",
        what: `Evaluate throughput on PostgreSQL (${shapeLabel(load)})`,
        value: fmt.rps(onPostgres.rps),
        baseline: `SQLite-backed ${fmt.rps(onSqlite.rps)}`,
        ratios: byRps(onPostgres, onSqlite),
        target: { op: ">=", value: 0.95 },
        range: rpsRange(onPostgres),
      }),
    ],
    commands: [...onPostgres.commands, ...onSqlite.commands],
    notes: [
      `h2load ${shapeLabel(load)} on the small data set: the SQLite-backed server and a replica of the same data migrated into PostgreSQL (\`flagwire migrate\`), both up, in paired rounds across the two servers (see Method). p99 ${fmt.us(onPostgres.p99Us)} vs ${fmt.us(onSqlite.p99Us)}; ${cpuNote(onPostgres, onSqlite, ["PostgreSQL-backed", "SQLite-backed"])} (the steadier comparison on a shared machine).`,
    ],
  };
}
