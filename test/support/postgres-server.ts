import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.js";

/** Where Debian keeps the server binaries: /usr/lib/postgresql/<version>/bin (the newest version installed). */
export function postgresBinDir(): string | null {
  const root = "/usr/lib/postgresql";
  if (process.env.FLAGWIRE_POSTGRES_BIN) return process.env.FLAGWIRE_POSTGRES_BIN;
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : join(root, versions[0], "bin");
}

/** A PostgreSQL server of the machine's binaries, in a temp dir, on a free loopback port. */
export interface PostgresServer {
  host: string;
  port: number;
  /** The data directory (and its parent, the temp dir holding the socket and the log). */
  dataDir: string;
  /** A URL of database `database` for the superuser `postgres` (trust authentication: no password needed). */
  url(database?: string): string;
  /** `pg_ctl restart`; `immediate` is a crash without a clean shutdown (recovery from the WAL at start). */
  restart(mode?: "fast" | "immediate"): void;
  /** `pg_ctl stop`: the server is gone until start(). */
  stop(mode?: "fast" | "immediate"): void;
  start(): void;
  /** Runs SQL as superuser on database `postgres` (e.g. pg_terminate_backend), returning the rows. */
  sql<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Stops the server and removes its temp dir. */
  destroy(): void;
}

/** The OS user the server runs as: PostgreSQL refuses to run as root. */
const RUN_AS = "postgres";

/**
 * initdb + pg_ctl start into a fresh temp dir. Tuned for tests: fsync off (a crash of the machine is not what the
 * tests simulate; a crash of the server still loses nothing acknowledged, since WAL reaches the OS at commit).
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error("PostgreSQL is not installed (apt-get install postgresql)");
  const root = mkdtempSync(join(tmpdir(), "flagwire-pg-"));
  const dataDir = join(root, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", RUN_AS]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", RUN_AS]).toString().trim());
    chownSync(root, uid, gid);
  }
  chmodSync(root, 0o700);
  const run = (tool: string, args: string[]): void => {
    const command = asRoot ? "runuser" : join(bin, tool);
    const argv = asRoot ? ["-u", RUN_AS, "--", join(bin, tool), ...args] : args;
    try {
      execFileSync(command, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: root });
    } catch (err) {
      const log = existsSync(join(root, "log")) ? readFileSync(join(root, "log"), "utf8").slice(-2000) : "";
      throw new Error(`${tool} ${args.join(" ")} failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}\n${log}`);
    }
  };
  run("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const port = await freePort();
  const host = "127.0.0.1";
  const options = [
    `-p ${port}`,
    `-k ${root}`,
    `-c listen_addresses=${host}`,
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c max_connections=300",
    "-c shared_buffers=32MB",
  ].join(" ");
  const start = () => run("pg_ctl", ["-D", dataDir, "-l", join(root, "log"), "-o", options, "-w", "-t", "60", "start"]);
  start();
  const stop = (mode: "fast" | "immediate" = "fast") => run("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"]);
  const url = (database = "postgres") => `postgres://postgres@${host}:${port}/${database}`;
  return {
    host,
    port,
    dataDir,
    url,
    restart: (mode = "fast") =>
      run("pg_ctl", ["-D", dataDir, "-l", join(root, "log"), "-o", options, "-m", mode, "-w", "-t", "60", "restart"]),
    stop,
    start,
    async sql<R>(text: string, params: unknown[] = []): Promise<R[]> {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        return (await client.query(text, params)).rows as R[];
      } finally {
        await client.end();
      }
    },
    destroy() {
      try {
        stop("immediate");
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
