import pg from "pg";
import { DomainError } from "../../domain/domain-error.js";
import type { TableRows } from "../state-rows.js";

/** Rows per INSERT: one statement carries one array per column; big enough that round trips do not count. */
const BATCH = 20_000;

/** What {@link copyIntoPostgres} writes, all in one transaction. */
export interface PostgresCopy {
  /** The state's tables, parents first. */
  state: readonly TableRows[];
  tokens: TableRows;
  /** Flag usage (evaluation counts), after the features it refers to. */
  usage: readonly TableRows[];
  /** Authentication was ever turned on in the source (the sticky mark), and since when. */
  authEnabledAt: number | null;
  /** The change log in revision order, a page at a time (read while the copy runs, so it is never all in memory). */
  changes: AsyncIterable<TableRows>;
  /** The revision the copy holds: the clock is set to it. */
  revision: number;
}

/** What was copied: rows per table. */
export type CopyCounts = Record<string, number>;

/** The tables that must be empty for a copy (besides the clock at 0). */
const DATA_TABLES = ["features", "customers", "users", "overrides", "segments", "segment_members", "segment_rules", "tokens", "auth", "changes", "feature_usage", "feature_usage_days"] as const;

/**
 * Copies a whole database into PostgreSQL in one transaction, with multi-row INSERTs of column arrays (`unnest`):
 * one round trip per 20,000 rows instead of one per row (COPY would be faster still, but needs pg-copy-streams). The target's schema must exist (open it as a
 * store first); the clock row is locked first, so no flagwire replica writes meanwhile, and a target that holds
 * anything is refused with nothing written. Ids and revisions are kept; the id sequences and the clock continue
 * after them.
 */
export async function copyIntoPostgres(client: pg.ClientBase, copy: PostgresCopy, describe: string): Promise<CopyCounts> {
  const counts: CopyCounts = {};
  await client.query("BEGIN");
  try {
    const clock = await client.query<{ revision: string }>("SELECT revision FROM clock WHERE id = 1 FOR UPDATE");
    const held = await heldRows(client);
    const revision = Number(clock.rows[0]?.revision ?? 0);
    if (revision > 0 || held.length > 0) {
      const what = [...(revision > 0 ? [`revision ${revision}`] : []), ...held].join(", ");
      throw new DomainError("FAILED_PRECONDITION", `${describe} already holds data (${what}): flagwire migrate copies into an empty database only; create a new database (e.g. \`createdb flagwire\`) and migrate into it`);
    }
    const types = await columnTypes(client);
    for (const rows of [...copy.state, copy.tokens, ...copy.usage]) counts[rows.table] = await insertRows(client, rows, types);
    if (copy.authEnabledAt !== null) {
      await client.query("INSERT INTO auth (id, enabled_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", [copy.authEnabledAt]);
    }
    counts.changes = 0;
    for await (const page of copy.changes) counts.changes += await insertRows(client, page, types);
    for (const table of ["features", "segments"]) {
      // The next feature or segment created gets the next id (identity or serial column alike).
      await client.query(
        `SELECT setval(s, (SELECT COALESCE(MAX(id), 0) + 1 FROM ${table}), false) FROM pg_get_serial_sequence('${table}', 'id') AS s WHERE s IS NOT NULL`,
      );
    }
    await client.query("UPDATE clock SET revision = $1 WHERE id = 1", [copy.revision]);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
  return counts;
}

/** "3 features", "1 token"...: what a target that is not empty holds, for the refusal. */
async function heldRows(client: pg.ClientBase): Promise<string[]> {
  const union = DATA_TABLES.map((t) => `SELECT '${t}' AS name, (SELECT COUNT(*) FROM (SELECT 1 FROM ${t} LIMIT 1000) AS l) AS n`).join(" UNION ALL ");
  const { rows } = await client.query<{ name: string; n: string }>(union);
  return rows.filter((r) => Number(r.n) > 0).map((r) => `${Number(r.n) >= 1000 ? "1000+" : r.n} ${r.name.replace(/_/g, " ")}`);
}

/** The SQL type of each column of our tables (`table.column` -> `bigint`, `boolean`...), to cast the arrays to. */
async function columnTypes(client: pg.ClientBase): Promise<Map<string, string>> {
  const { rows } = await client.query<{ t: string; c: string; type: string }>(
    `SELECT table_name AS t, column_name AS c, format_type(a.atttypid, a.atttypmod) AS type
       FROM information_schema.columns i
       JOIN pg_attribute a ON a.attrelid = (quote_ident(i.table_schema) || '.' || quote_ident(i.table_name))::regclass AND a.attname = i.column_name
      WHERE i.table_schema = current_schema()`,
  );
  return new Map(rows.map((r) => [`${r.t}.${r.c}`, r.type]));
}

/** Inserts `rows` in batches of {@link BATCH}; returns how many. */
async function insertRows(client: pg.ClientBase, rows: TableRows, types: Map<string, string>): Promise<number> {
  const count = rows.values[0]?.length ?? 0;
  if (count === 0) return 0;
  const casts = rows.columns.map((column) => {
    const type = types.get(`${rows.table}.${column}`);
    if (!type) throw new Error(`the PostgreSQL schema has no column ${rows.table}.${column}: is it flagwire's?`);
    return type;
  });
  const list = rows.columns.join(", ");
  const arrays = casts.map((type, i) => `$${i + 1}::${type}[]`).join(", ");
  const sql = `INSERT INTO ${rows.table} (${list}) OVERRIDING SYSTEM VALUE SELECT * FROM unnest(${arrays})`;
  for (let start = 0; start < count; start += BATCH) {
    const params = rows.values.map((column, i) => column.slice(start, start + BATCH).map((value) => toColumn(value, casts[i] as string)));
    await client.query(sql, params);
  }
  return count;
}

/** A boolean into an integer column as 0/1 (SQLite's way), else as it is. */
function toColumn(value: unknown, type: string): unknown {
  return typeof value === "boolean" && type !== "boolean" ? (value ? 1 : 0) : value;
}
