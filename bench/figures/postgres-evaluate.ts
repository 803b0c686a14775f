import type { BenchServer } from "../lib/bench-server-process.js";
import type { DatasetShape } from "../lib/dataset.js";
import { fmt, type FigureResult, type RunContext } from "../lib/figure.js";
import { loadTargets, LOAD_SHAPES, shapeLabel, type LoadFigures, type LoadShape } from "../lib/h2load-compare.js";
import { expectOk } from "../lib/unary-call.js";
import { evaluateTarget } from "./evaluate-vs-echo.js";

/**
 * Figure 9: Evaluate on a PostgreSQL-backed replica against the SQLite-backed server, same data set, same load,
 * measured alternately in the same run. Evaluation reads memory on both, so the backend should not show.
 */
export async function postgresEvaluateFigure(ctx: RunContext, sqlite: BenchServer, postgres: BenchServer, shape: DatasetShape): Promise<FigureResult> {
  const load = LOAD_SHAPES[0] as LoadShape;
  const target = evaluateTarget(shape);
  // One checked call each first (h2load cannot see grpc-status), which also warms both up.
  for (const server of [sqlite, postgres]) await expectOk(server.grpcUrl, target.path, target.frame);
  const [onSqlite] = (await loadTargets(ctx, sqlite, load, [target])) as [LoadFigures];
  const [onPostgres] = (await loadTargets(ctx, postgres, load, [target])) as [LoadFigures];
  ctx.log(`  Evaluate: PostgreSQL-backed ${Math.round(onPostgres.rps)} calls/s, SQLite-backed ${Math.round(onSqlite.rps)} calls/s`);
  const ratio = onPostgres.rps / onSqlite.rps;
  return {
    figure: 9,
    title: "Evaluate on a PostgreSQL-backed replica vs the SQLite-backed server",
    rows: [
      {
        id: "9",
        what: `Evaluate throughput on PostgreSQL (${shapeLabel(load)})`,
        value: fmt.rps(onPostgres.rps),
        baseline: `SQLite-backed ${fmt.rps(onSqlite.rps)}`,
        ratio,
        target: "≥ 0.95×",
        pass: ratio >= 0.95,
      },
    ],
    commands: ["npm run bench -- --only 9"],
    notes: [
      `h2load ${shapeLabel(load)} on the small data set, first on the SQLite-backed server, then on a replica of the same data migrated into PostgreSQL (\`flagwire migrate\`). p99 ${fmt.us(onPostgres.p99Us)} vs ${fmt.us(onSqlite.p99Us)}; server CPU per call ${onPostgres.cpuUsPerCall.toFixed(1)} µs vs ${onSqlite.cpuUsPerCall.toFixed(1)} µs (the steadier comparison on a shared machine).`,
    ],
  };
}
