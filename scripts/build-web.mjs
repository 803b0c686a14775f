// Builds the dashboard (web/) into dist/web/: one bundle with a content hash in its name, its CSS, and index.html
// pointing at both. Run by `npm run build`; prints the gzipped size of what the first page loads.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/** The budget of the initial bundle (JS + CSS), gzipped. */
export const WEB_BUDGET_BYTES = 200 * 1024;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds into `outDir` (default dist/web) and answers the files and their gzipped total. */
export async function buildWeb(outDir = join(root, "dist", "web")) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, "assets"), { recursive: true });
  const result = await build({
    entryPoints: [join(root, "web", "src", "main.tsx")],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: join(outDir, "assets"),
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => join(root, file));
  const js = outputs.find((file) => file.endsWith(".js"));
  const css = outputs.find((file) => file.endsWith(".css"));
  if (!js || !css) throw new Error("the dashboard build made no .js or no .css file");
  const href = (file) => `/${relative(outDir, file).split("\\").join("/")}`;
  const html = readFileSync(join(root, "web", "index.html"), "utf8").replace("%SCRIPT%", href(js)).replace("%STYLE%", href(css));
  writeFileSync(join(outDir, "index.html"), html);
  const gzipped = [js, css, join(outDir, "index.html")].reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).byteLength, 0);
  return { js, css, gzipped };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { gzipped } = await buildWeb();
  const budget = gzipped <= WEB_BUDGET_BYTES ? "within" : "OVER";
  process.stdout.write(`dashboard built into dist/web: initial load ${(gzipped / 1024).toFixed(1)} KB gzipped (${budget} the ${WEB_BUDGET_BYTES / 1024} KB budget)\n`);
  if (gzipped > WEB_BUDGET_BYTES) process.exit(1);
}
