import { createServer } from "node:net";
import { join } from "node:path";
import { migrateStore } from "../../src/store/migrate-store.js";
import type { BenchArgs } from "../lib/args.js";
import { wants } from "../lib/args.js";
import { startBenchPostgres } from "../lib/bench-postgres.js";
import { startBenchServer, type BenchServer } from "../lib/bench-server-process.js";
import { datasetFile, freshDataset, LARGE_DATASET, SMALL_DATASET } from "../lib/dataset.js";
import type { FigureResult, RunContext } from "../lib/figure.js";
import { firstEvaluateMs } from "./cold-start.js";
import { evaluateTarget } from "./evaluate-vs-echo.js";
import { postgresColdStartFigure } from "./postgres-cold-start.js";
import { postgresEvaluateFigure } from "./postgres-evaluate.js";
import { postgresPropagationFigure } from "./postgres-propagation.js";
import { postgresSetOverrideFigure } from "./postgres-set-override.js";

/** Figures 9-12 (issue 14): one bench PostgreSQL for all of them, data loaded with `flagwire migrate`'s copier. */
export async function runPostgresFigures(ctx: RunContext, args: BenchArgs, work: string, out: FigureResult[]): Promise<void> {
  if (![9, 10, 11, 12].some((n) => wants(args, n))) return;
  const database = await startBenchPostgres(await freePort(), ctx.log);
  const server = (dbPath: string) => startBenchServer({ dbPath, cores: ctx.cores.server, logLevel: ctx.logLevel, profileDir: ctx.profileDir });
  const stopAll = async (servers: BenchServer[]) => Promise.all(servers.map((s) => s.stop()));
  try {
    if (wants(args, 9) || wants(args, 10)) {
      const smallDb = join(work, "small-pg.db");
      freshDataset(smallDb, SMALL_DATASET);
      await database.createDatabase("small");
      await migrateStore(smallDb, database.url("small"));
      const servers = [await server(smallDb), await server(database.url("small"))] as [BenchServer, BenchServer];
      try {
        if (wants(args, 9)) {
          ctx.log("figure 9: Evaluate, PostgreSQL-backed vs SQLite-backed");
          out.push(await postgresEvaluateFigure(ctx, servers[0], servers[1], SMALL_DATASET));
        }
        if (wants(args, 10)) {
          ctx.log("figure 10: SetOverride on PostgreSQL vs pgbench -N");
          out.push(await postgresSetOverrideFigure(ctx, servers[1], database, SMALL_DATASET));
        }
      } finally {
        await stopAll(servers);
      }
    }
    if (wants(args, 11)) {
      ctx.log("figure 11: propagation between replicas");
      await database.createDatabase("propagation");
      const servers = [await server(database.url("propagation")), await server(database.url("propagation"))] as [BenchServer, BenchServer];
      try {
        out.push(await postgresPropagationFigure(ctx, servers[0], servers[1]));
      } finally {
        await stopAll(servers);
      }
    }
    if (wants(args, 12)) {
      ctx.log("figure 12: cold start of a replica from PostgreSQL, large data set");
      const large = datasetFile(LARGE_DATASET, ctx.log);
      await database.createDatabase("large");
      const started = performance.now();
      const { counts } = await migrateStore(large.path, database.url("large"));
      const migrated = { ms: performance.now() - started, counts };
      ctx.log(`  migrated the large data set in ${(migrated.ms / 1000).toFixed(1)} s`);
      const replica = await server(database.url("large"));
      try {
        const servingMs = await firstEvaluateMs(replica, evaluateTarget(LARGE_DATASET));
        out.push(postgresColdStartFigure(replica, servingMs, await replica.stats(false), migrated));
      } finally {
        await replica.stop();
      }
    }
  } finally {
    database.stop();
  }
}

/** A loopback port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}
