/**
 * The benchmark suite of issue 5: `npm run bench` (quick) or `npm run bench -- --full` (longer, more rounds).
 * Runs each figure against its baseline measured in the same run, every ratio in paired rounds
 * (bench/lib/paired-rounds.ts), and writes BENCHMARKS.md.
 * Not part of `npm test`: timings are never asserted, only recorded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchArgs, wants, type BenchArgs } from "./lib/args.js";
import { startBenchServer, type BenchServer } from "./lib/bench-server-process.js";
import { datasetFile, freshDataset, LARGE_DATASET, SMALL_DATASET } from "./lib/dataset.js";
import type { FigureResult, RunContext } from "./lib/figure.js";
import { machineLine, noiseWarning } from "./lib/machine.js";
import { renderReport, spliceReport } from "./lib/report.js";
import { ensureTools, pinSelf, planCores } from "./lib/tools.js";
import { coldStartFigure, firstEvaluateMs } from "./figures/cold-start.js";
import { evaluateAllFigure } from "./figures/evaluate-all.js";
import { flagdFigure } from "./figures/flagd.js";
import { evaluateTarget, figure1, figure2, measureEvaluateVsEcho, type EvaluateVsEcho } from "./figures/evaluate-vs-echo.js";
import { httpPortFigure } from "./figures/http-port.js";
import { inProcessFigure } from "./figures/in-process.js";
import { ofrepFigure } from "./figures/ofrep.js";
import { providerResolveFigure } from "./figures/provider-resolve.js";
import { listPagesFigure } from "./figures/list-pages.js";
import { runPostgresFigures } from "./figures/postgres-figures.js";
import { setOverrideFigure } from "./figures/set-override.js";
import { FIGURE_17, watchFanOutFigure } from "./figures/watch-fan-out.js";

const args = parseBenchArgs(process.argv.slice(2));
const started = performance.now();
const noise = noiseWarning();
const ctx: RunContext = {
  full: args.full,
  cores: planCores(cpus().length),
  logLevel: args.logLevel,
  profileDir: args.profileDir,
  log: (line) => console.log(line),
};
ensureTools(ctx.log);
pinSelf(ctx.cores.load);
const work = mkdtempSync(join(tmpdir(), "flagwire-bench-"));
const figures: FigureResult[] = [];
try {
  await runFigures(args, work, figures);
} finally {
  rmSync(work, { recursive: true, force: true });
}
writeReport(args, figures);

async function runFigures(args: BenchArgs, work: string, out: FigureResult[]): Promise<void> {
  let small: EvaluateVsEcho[] | undefined;
  const smallDb = join(work, "small.db");
  if (wants(args, 1) || wants(args, 4) || wants(args, 8)) {
    freshDataset(smallDb, SMALL_DATASET);
    await withServer(smallDb, async (server) => {
      if (wants(args, 1)) {
        ctx.log("figure 1: Evaluate vs echo");
        small = await measureEvaluateVsEcho(ctx, server, evaluateTarget(SMALL_DATASET));
        out.push(figure1(small));
      }
      if (wants(args, 8)) {
        ctx.log("figure 8: EvaluateAll vs echo");
        out.push(await evaluateAllFigure(ctx, server, SMALL_DATASET));
      }
      if (wants(args, 4)) {
        ctx.log("figure 4: SetOverride, 50 writers");
        out.push(await setOverrideFigure(ctx, server, SMALL_DATASET));
      }
    });
  }
  if (wants(args, 14)) {
    freshDataset(smallDb, SMALL_DATASET);
    await withServer(smallDb, async (server) => {
      ctx.log("figure 14: flagd ResolveBoolean vs Evaluate");
      out.push(await flagdFigure(ctx, server, SMALL_DATASET));
    });
  }
  if (wants(args, 5)) {
    // A server of its own: its memory before the watchers is not inflated by the other figures.
    freshDataset(smallDb, SMALL_DATASET);
    await withServer(smallDb, async (server) => {
      ctx.log("figure 5: WatchChanges fan-out");
      out.push(await watchFanOutFigure(ctx, server, SMALL_DATASET));
    });
  }
  if (wants(args, 17)) {
    freshDataset(smallDb, SMALL_DATASET);
    await withServer(smallDb, async (server) => {
      ctx.log("figure 17: WatchChanges fan-out to 50,000 streams");
      out.push(await watchFanOutFigure(ctx, server, SMALL_DATASET, FIGURE_17));
    });
  }
  if (wants(args, 2) || wants(args, 6) || wants(args, 7)) {
    const large = datasetFile(LARGE_DATASET, ctx.log);
    await withServer(large.path, async (server) => {
      const servingMs = await firstEvaluateMs(server, evaluateTarget(LARGE_DATASET));
      if (wants(args, 6)) out.push(coldStartFigure(server, servingMs, await server.stats(false), large.generatedMs));
      if (wants(args, 2)) {
        ctx.log("figure 2: Evaluate on the large data set vs the small one, both servers up");
        freshDataset(smallDb, SMALL_DATASET);
        await withServer(smallDb, async (smallServer) => {
          out.push(await figure2(ctx, smallServer, server));
        });
      }
      if (wants(args, 7)) {
        ctx.log("figure 7: ListCustomersWithFeature pages");
        out.push(await listPagesFigure(ctx, server, LARGE_DATASET));
      }
    });
  }
  if (wants(args, 13)) {
    freshDataset(smallDb, SMALL_DATASET);
    await withServer(smallDb, async (server) => {
      ctx.log("figure 13: OFREP vs a no-op route on the HTTP listener");
      out.push(await ofrepFigure(ctx, server, SMALL_DATASET));
    });
  }
  if (wants(args, 16)) {
    freshDataset(smallDb, SMALL_DATASET);
    await withServer(smallDb, async (server) => {
      ctx.log("figure 16: the HTTP port (Connect JSON, OFREP) vs a no-op route on the same listener");
      const otherDb = join(work, "few-features.db");
      out.push(
        await httpPortFigure(ctx, server, SMALL_DATASET, async (shape, fn) => {
          freshDataset(otherDb, shape);
          await withServer(otherDb, fn);
        }),
      );
    });
  }
  if (wants(args, 3)) {
    ctx.log("figure 3: in-process evaluation vs flagd-core");
    out.push(await inProcessFigure(ctx));
  }
  // Issue 14: figures 9-12 on a bench PostgreSQL of their own.
  await runPostgresFigures(ctx, args, work, out);
  if (wants(args, 15)) {
    ctx.log("figure 15: FlagwireProvider resolve vs flagd-core");
    out.push(await providerResolveFigure(ctx));
  }
  out.sort((a, b) => a.figure - b.figure);
}

async function withServer(dbPath: string, fn: (server: BenchServer) => Promise<void>): Promise<void> {
  const server = await startBenchServer({ dbPath, cores: ctx.cores.server, logLevel: ctx.logLevel, profileDir: ctx.profileDir });
  ctx.log(`server pid ${server.pid} on ${dbPath}: listening after ${(server.readyMs / 1000).toFixed(2)} s`);
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

function writeReport(args: BenchArgs, figures: FigureResult[]): void {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const path = args.out ?? join(root, "BENCHMARKS.md");
  const command = ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  const generated = renderReport(
    {
      command,
      machine: machineLine(),
      date: new Date().toISOString(),
      noise,
      durationS: (performance.now() - started) / 1000,
      server: `server pinned to core ${ctx.cores.server}; h2load, the Node load generators and subscriber processes to core ${ctx.cores.load} (taskset); server log level ${ctx.logLevel}`,
    },
    figures,
  );
  writeFileSync(path, spliceReport(existsSync(path) ? readFileSync(path, "utf8") : "", generated));
  console.log(`\n${generated}\n\nwritten to ${path}`);
}
