import { execFile, execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

/** A PostgreSQL server for the benchmarks: the machine's binaries, a temp dir, a fixed loopback port. */
export interface BenchPostgres {
  /** URL of database `database` for the superuser (trust authentication on loopback). */
  url(database: string): string;
  /** Creates an empty database. */
  createDatabase(name: string): Promise<void>;
  /** Runs the server's own `pgbench` with `args` against `database`; resolves with its stdout. */
  pgbench(database: string, args: string[]): Promise<string>;
  /** Stops the server and removes its directory. */
  stop(): void;
}

const RUN_AS = "postgres";
const run = promisify(execFile);

/**
 * initdb + pg_ctl start, like the test harness (test/support/postgres-server.ts) but durable as in production:
 * fsync and synchronous_commit on (the tests turn fsync off; a write benchmark must not). Runs as OS user
 * `postgres` when we are root: PostgreSQL refuses root.
 */
export async function startBenchPostgres(port: number, log: (line: string) => void): Promise<BenchPostgres> {
  const root = "/usr/lib/postgresql";
  const version = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "pg_ctl"))).sort((a, b) => Number(b) - Number(a))[0] : undefined;
  if (version === undefined) throw new Error("figures 9-12 need PostgreSQL: apt-get install postgresql");
  const bin = join(root, version, "bin");
  const dir = mkdtempSync(join(tmpdir(), "flagwire-bench-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync("id", ["-u", RUN_AS]).toString()), Number(execFileSync("id", ["-g", RUN_AS]).toString()));
  chmodSync(dir, 0o700);
  const argv = (tool: string, args: string[]): [string, string[]] => (asRoot ? ["runuser", ["-u", RUN_AS, "--", join(bin, tool), ...args]] : [join(bin, tool), args]);
  const sync = (tool: string, args: string[]) => execFileSync(...argv(tool, args), { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const data = join(dir, "data");
  sync("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"]);
  const options = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", "-c max_connections=300", "-c shared_buffers=256MB"].join(" ");
  sync("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "start"]);
  log(`PostgreSQL ${version} on 127.0.0.1:${port} (fsync on), data in ${data}`);
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
    },
    async pgbench(database, args) {
      const [command, full] = argv("pgbench", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", ...args, database]);
      return (await run(command, full, { cwd: dir, maxBuffer: 16 << 20 })).stdout;
    },
    stop() {
      try {
        sync("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
