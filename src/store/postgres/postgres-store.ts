import type pg from "pg";
import type { Change, ChangeData } from "../../domain/change.js";
import { legacySalt } from "../../domain/change.js";
import { DomainError } from "../../domain/domain-error.js";
import type { ChangeWriter, FlagStore } from "../flag-store.js";
import { changeRowStatement, changeStatements, literal } from "./postgres-change-sql.js";
import { CHANGES_CHANNEL, type PostgresDatabase } from "./postgres-database.js";
import { postgresError } from "./postgres-error.js";
import { loadPostgresState } from "./postgres-load-state.js";

type ChangeRow = { revision: number; at: number; actor: string | null; data: ChangeData };

const READ_CHANGES = "SELECT revision, at, actor, data FROM changes WHERE revision > $1 ORDER BY revision";

/**
 * A FlagStore on PostgreSQL, for replicas that share one database.
 *
 * One revision clock: every write transaction locks the `clock` row first (serializing writers across replicas),
 * reads what others committed after the caller's revision, numbers its changes after the clock and moves it, so
 * revisions are gap-free and in commit order. The appends `fn` makes are staged and sent with the COMMIT in one
 * multi-statement round trip; the transaction NOTIFYs its revision, which PostgreSQL delivers at commit.
 */
export function openPostgresStore(database: PostgresDatabase): FlagStore {
  const { pool, where } = database;
  database.retain();
  let open = true;
  /** The highest revision this store committed or heard of: a periodic look reports only what is beyond it. */
  let known = 0;
  const checkOpen = (): void => {
    if (!open) throw new DomainError("UNAVAILABLE", "the PostgreSQL store is closed");
  };
  const connect = async (): Promise<pg.PoolClient> => {
    checkOpen();
    try {
      return await pool.connect();
    } catch (err) {
      throw postgresError(where, err);
    }
  };
  const latestRevision = async (): Promise<number> => {
    checkOpen();
    const [row] = await database.query<{ revision: number }>("SELECT revision FROM clock WHERE id = 1");
    return row?.revision ?? 0;
  };

  return {
    async write(after, fn) {
      const client = await connect();
      let failed: unknown;
      try {
        const since = Number.isSafeInteger(after) ? after : Number.MAX_SAFE_INTEGER;
        // One round trip: begin, take the clock (every other writer waits here), read what others committed.
        const results = (await client.query(
          `BEGIN; SELECT revision FROM clock WHERE id = 1 FOR UPDATE; SELECT revision, at, actor, data FROM changes WHERE revision > ${since} ORDER BY revision`,
        )) as unknown as pg.QueryResult[];
        const clock = Number((results[1]?.rows[0] as { revision: number } | undefined)?.revision ?? 0);
        const missed = (results[2]?.rows as ChangeRow[]).map(toChange);
        let revision = clock;
        const staged: string[] = [];
        const writer: ChangeWriter = {
          append(data, actor, at) {
            const json = JSON.stringify(data);
            // PostgreSQL's text cannot hold U+0000; refused here, so that only this write fails.
            if (json.includes("\\u0000")) {
              throw new DomainError("INVALID_ARGUMENT", "a value contains the NUL character (U+0000), which PostgreSQL cannot store: remove it");
            }
            const statements = changeStatements(data, at);
            const change = { ...data, revision: revision + 1, at, actor } as Change;
            revision++;
            staged.push(...statements, changeRowStatement(change, data));
            return change;
          },
        };
        let result;
        try {
          result = fn(missed, writer);
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
        if (staged.length === 0) {
          await client.query("COMMIT");
        } else {
          staged.push(
            `UPDATE clock SET revision = ${literal(revision)} WHERE id = 1`,
            `SELECT pg_notify(${literal(CHANGES_CHANNEL)}, ${literal(`${database.instance}:${revision}`)})`,
            "COMMIT",
          );
          await client.query(staged.join(";\n"));
          known = Math.max(known, revision);
        }
        return result;
      } catch (err) {
        failed = err;
        if (!(err instanceof DomainError)) await client.query("ROLLBACK").catch(() => undefined);
        throw postgresError(where, err);
      } finally {
        // A connection that failed may be broken: dropped rather than reused.
        client.release(failed !== undefined && !(failed instanceof DomainError));
      }
    },
    async loadState() {
      const client = await connect();
      let failed = false;
      try {
        const state = await loadPostgresState(client);
        known = Math.max(known, state.revision);
        return state;
      } catch (err) {
        failed = true;
        throw postgresError(where, err);
      } finally {
        client.release(failed);
      }
    },
    async readChanges(afterRevision, limit) {
      checkOpen();
      const rows = await database.query<ChangeRow>(limit < 0 ? READ_CHANGES : `${READ_CHANGES} LIMIT $2`, limit < 0 ? [afterRevision] : [afterRevision, limit]);
      return rows.map(toChange);
    },
    latestRevision,
    async firstRetainedRevision() {
      checkOpen();
      const [row] = await database.query<{ first: number | null; latest: number }>(
        "SELECT (SELECT min(revision) FROM changes) AS first, (SELECT revision FROM clock WHERE id = 1) AS latest",
      );
      return row?.first ?? (row?.latest ?? 0) + 1;
    },
    async pruneChanges(policy, now) {
      checkOpen();
      if (policy.revisions === undefined && policy.days === undefined) return 0;
      // The same rule as SQLite's: never the latest change, and only what is outside every limit that is set.
      const keep = Math.max(1, policy.revisions ?? 1);
      const before = policy.days === undefined ? Number.MAX_SAFE_INTEGER : now - policy.days * 86_400_000;
      const rows = await database.query<{ n: number }>(
        `WITH pruned AS (DELETE FROM changes WHERE revision <= (SELECT revision FROM clock WHERE id = 1) - $1 AND at < $2 RETURNING 1)
         SELECT count(*)::int AS n FROM pruned`,
        [keep, before],
      );
      return rows[0]?.n ?? 0;
    },
    onCommittedElsewhere(listener, onError) {
      const { changes, catchUp, errors } = database.listeners;
      let failing = false;
      const report = (revision: number): void => {
        failing = false;
        if (revision <= known) return;
        known = revision;
        listener(revision);
      };
      const heard = (revision: number, instance: string): void => {
        if (instance !== database.instance) report(revision);
      };
      // After a reconnection and on the slow tick: the clock says whether something went by unannounced.
      const look = (): void => {
        latestRevision().then(report, (err: unknown) => {
          if (!failing) onError?.(err);
          failing = true;
        });
      };
      const failed = (err: unknown): void => {
        if (!failing) onError?.(err);
        failing = true;
      };
      changes.add(heard);
      catchUp.add(look);
      errors.add(failed);
      return () => {
        changes.delete(heard);
        catchUp.delete(look);
        errors.delete(failed);
      };
    },
    async close() {
      if (!open) return;
      open = false;
      await database.release();
    },
  } satisfies FlagStore;
}

function toChange(row: ChangeRow): Change {
  const data = row.data;
  // A feature migrated from a database made before salts existed: the salt the schema migration gave it.
  if (data.kind === "feature.created" && data.salt === undefined) data.salt = legacySalt(row.at);
  return { ...data, revision: Number(row.revision), at: Number(row.at), actor: row.actor };
}
