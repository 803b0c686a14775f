import pg from "pg";
import postgres from "postgres";

/** Transactions per second of one driver on the clock-row write transaction. */
export interface DriverRate {
  driver: "pg" | "postgres";
  tps: number;
}

const SETUP = `
  DROP TABLE IF EXISTS bench_clock, bench_log;
  CREATE TABLE bench_clock (id integer PRIMARY KEY, revision bigint NOT NULL);
  INSERT INTO bench_clock VALUES (1, 0);
  CREATE TABLE bench_log (revision bigint PRIMARY KEY, data jsonb NOT NULL)`;

/**
 * The shape of flagwire's write transaction, stripped of flagwire: lock and move the clock row, append one log
 * row, commit. `clients` transactions in flight, for `ms` milliseconds, through node-postgres (`pg`) and then
 * through `postgres` (postgres.js): the drivers' own cost per round trip, with the database's the same for both.
 */
export async function compareDrivers(url: string, clients: number, ms: number): Promise<DriverRate[]> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(SETUP);
  await setup.end();
  const data = JSON.stringify({ kind: "override.set", feature: "f0000", target: { kind: "customer", id: "c000001" }, enabled: true });

  const pool = new pg.Pool({ connectionString: url, max: clients });
  const viaPg = await closedLoop(clients, ms, async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ revision: string }>("UPDATE bench_clock SET revision = revision + 1 WHERE id = 1 RETURNING revision");
      await client.query("INSERT INTO bench_log (revision, data) VALUES ($1, $2)", [rows[0]?.revision, data]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
  });
  await pool.end();

  const sql = postgres(url, { max: clients, onnotice: () => undefined });
  const viaPostgres = await closedLoop(clients, ms, async () => {
    await sql.begin(async (tx) => {
      const [row] = await tx`UPDATE bench_clock SET revision = revision + 1 WHERE id = 1 RETURNING revision`;
      await tx`INSERT INTO bench_log (revision, data) VALUES (${row?.revision as string}, ${data}::jsonb)`;
    });
  });
  await sql.end();
  return [
    { driver: "pg", tps: viaPg },
    { driver: "postgres", tps: viaPostgres },
  ];
}

/** Runs `transaction` from `clients` loops for `ms`; returns completed transactions per second. */
async function closedLoop(clients: number, ms: number, transaction: () => Promise<void>): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        await transaction();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}
