import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HttpExchange, HttpRoute, RouteTarget } from "./http-route.js";

/** The screens of the dashboard: their URLs answer index.html, and the page's router shows the screen. */
export const DASHBOARD_SCREENS = ["features", "explain", "customers", "segments", "history", "tokens"] as const;

// The page loads only its own files and talks only to its own origin: no inline script, no framing.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/** Options of {@link createDashboardRoute}. */
export interface DashboardRouteOptions {
  /** The built dashboard (index.html and assets/); default `dist/web` of this package. */
  dir?: string;
}

interface StaticFile {
  status: number;
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * The dashboard's static files on the HTTP port: `/` and every screen URL answer index.html (no-cache), files
 * under `/assets/` carry a content hash in their name and are cached for good. Read into memory once at start:
 * only files that existed then are served, so no request path ever reaches the file system. The files need no
 * token; the API calls the page makes do.
 */
export function createDashboardRoute(options: DashboardRouteOptions = {}): HttpRoute {
  const dir = options.dir ?? defaultDashboardDir();
  const files = loadFiles(dir);
  const index = files.get("/index.html") ?? notBuilt(dir);
  const target = (file: StaticFile, name: string): RouteTarget => ({ name, handle: (exchange) => send(exchange, file) });
  const targets = new Map<string, RouteTarget>();
  for (const [path, file] of files) if (path !== "/index.html") targets.set(path, target(file, path));
  const page = target(index, "dashboard");
  return {
    match(path, method) {
      if (method !== "GET" && method !== "HEAD") return undefined;
      return targets.get(path) ?? (isScreen(path) ? page : undefined);
    },
  };
}

function isScreen(path: string): boolean {
  if (path === "/" || path === "/index.html") return true;
  const first = path.split("/", 2)[1] ?? "";
  return (DASHBOARD_SCREENS as readonly string[]).includes(first);
}

async function send({ req, res }: HttpExchange, file: StaticFile): Promise<void> {
  res.writeHead(file.status, file.headers);
  res.end(req.method === "HEAD" ? undefined : file.body);
}

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  const walk = (folder: string, prefix: string) => {
    for (const name of readdirSync(folder)) {
      const full = join(folder, name);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
      else files.set(`${prefix}${name}`, staticFile(readFileSync(full), extname(name), prefix === "/assets/"));
    }
  };
  walk(dir, "/");
  return files;
}

function staticFile(body: Buffer, extension: string, hashed: boolean, status = 200): StaticFile {
  return {
    status,
    body,
    headers: {
      "content-type": TYPES[extension] ?? "application/octet-stream",
      "content-length": String(body.byteLength),
      // Hashed names change with their content: cache them for good; index.html is checked every time.
      "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
    },
  };
}

/** What `/` answers when the package was installed without its build: how to build it, not a blank page. */
function notBuilt(dir: string): StaticFile {
  return staticFile(Buffer.from(`the dashboard is not built (no ${join(dir, "index.html")}): run \`npm run build\`\n`), ".txt", false, 503);
}

/** `dist/web` beside this package's package.json, whether this file runs from src/ (tests) or dist/src/ (build). */
export function defaultDashboardDir(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, "package.json"))) {
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  // From dist/src/server/http the walk stops at the package root too: dist/ holds no package.json.
  return join(folder, "dist", "web");
}
