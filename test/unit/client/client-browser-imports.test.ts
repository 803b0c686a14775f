import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The browser entry (src/client/web.ts) reaches no `node:` module, no Node builtin and no connect-node, in our
 * code or in the packages it pulls in; nor does our code there touch Node's globals. Walks the import graph
 * from the sources (TypeScript's own import scanner) into each package's ESM files, as a bundler would.
 */

const ROOT = join(import.meta.dirname, "..", "..", "..");
const BUILTINS = new Set(builtinModules);
const NODE_ONLY_PACKAGES = new Set(["@connectrpc/connect-node", "@grpc/grpc-js", "better-sqlite3", "pino"]);
/** Identifiers of Node's globals that a browser lacks. */
const NODE_GLOBALS = new Set(["Buffer", "process", "require", "__dirname", "__filename", "setImmediate", "global"]);

interface Graph {
  /** Every file reached, relative to the repository. */
  files: string[];
  /** Packages reached (by name). */
  packages: Set<string>;
  /** "file: specifier" for each import a browser cannot load. */
  refused: string[];
  /** "file: identifier" for each use of a Node global in our own sources. */
  nodeGlobals: string[];
}

/** The package name of a bare specifier: `@scope/name/sub` -> `@scope/name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

/** The ESM file a bare specifier names, by the package's `exports` (import condition), as a bundler resolves it. */
function resolvePackage(specifier: string, fromFile: string): string {
  const name = packageName(specifier);
  for (let dir = dirname(fromFile); ; dir = dirname(dir)) {
    const pkgDir = join(dir, "node_modules", name);
    if (existsSync(join(pkgDir, "package.json"))) {
      const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { exports?: Record<string, unknown> };
      const entry = pkg.exports?.[`.${specifier.slice(name.length)}`];
      const target = pickImport(entry);
      if (!target) throw new Error(`${specifier}: no ESM entry in ${pkgDir}/package.json`);
      return join(pkgDir, target);
    }
    if (dir === dirname(dir)) throw new Error(`${specifier} (from ${fromFile}) is not installed`);
  }
}

function pickImport(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (entry === null || typeof entry !== "object") return undefined;
  const conditions = entry as Record<string, unknown>;
  return pickImport(conditions.browser ?? conditions.import ?? conditions.default);
}

/** A relative import's file: our sources say `./x.js` for `./x.ts`. */
function resolveRelative(specifier: string, fromFile: string): string {
  const file = join(dirname(fromFile), specifier);
  const source = file.replace(/\.js$/, ".ts");
  if (fromFile.endsWith(".ts") && existsSync(source)) return source;
  if (existsSync(file)) return file;
  throw new Error(`${specifier} (from ${fromFile}) does not exist`);
}

/** Identifiers in code (not comments or strings) that name a Node global, other than as a property (`x.process`). */
function nodeGlobalsIn(source: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, source);
  const found: string[] = [];
  let previous = ts.SyntaxKind.Unknown;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.Identifier && previous !== ts.SyntaxKind.DotToken && NODE_GLOBALS.has(scanner.getTokenText())) {
      found.push(scanner.getTokenText());
    }
    previous = token;
  }
  return found;
}

function walk(entry: string): Graph {
  const graph: Graph = { files: [], packages: new Set(), refused: [], nodeGlobals: [] };
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const where = relative(ROOT, file);
    graph.files.push(where);
    const source = readFileSync(file, "utf8");
    const ours = !where.startsWith("node_modules");
    if (ours) graph.nodeGlobals.push(...nodeGlobalsIn(source).map((name) => `${where}: ${name}`));
    for (const { fileName: specifier } of ts.preProcessFile(source, true, true).importedFiles) {
      if (specifier.startsWith(".")) {
        visit(resolveRelative(specifier, file));
        continue;
      }
      const name = packageName(specifier);
      if (specifier.startsWith("node:") || BUILTINS.has(name) || NODE_ONLY_PACKAGES.has(name)) {
        graph.refused.push(`${where}: ${specifier}`);
        continue;
      }
      graph.packages.add(name);
      visit(resolvePackage(specifier, file));
    }
  };
  visit(entry);
  return graph;
}

describe("the browser entry's import graph", () => {
  it("src/client/web.ts reaches no node: module, builtin or connect-node, and our code there uses no Node global", () => {
    const graph = walk(join(ROOT, "src", "client", "web.ts"));
    expect(graph.refused).toEqual([]);
    expect(graph.nodeGlobals).toEqual([]);
    expect([...graph.packages].sort()).toEqual(["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-web"]);
    // The shared parts are really on the path (the walk is not vacuous).
    expect(graph.files).toEqual(
      expect.arrayContaining(["src/client/create-flag-cache.ts", "src/client/watch-changes.ts", "src/domain/evaluate.ts", "gen/flagwire/v1/flags_pb.ts"]),
    );
  });

  it("the walk catches what it is there to catch: connect-node behind the Node entry, a Buffer in code (not in a comment)", () => {
    const graph = walk(join(ROOT, "src", "client", "index.ts"));
    expect(graph.refused).toEqual(expect.arrayContaining(["src/client/create-flag-client.ts: @connectrpc/connect-node"]));
    expect(nodeGlobalsIn('const b = Buffer.from("x"); // process\nconst p = x.process;')).toEqual(["Buffer"]);
  });
});
