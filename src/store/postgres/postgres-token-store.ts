import { DomainError } from "../../domain/domain-error.js";
import { tokenNameTaken, tokenSecretTaken, type TokenStore, type TokenTable } from "../token-store.js";
import { TOKEN_COLUMNS, tokenFromRow, type TokenRow } from "../token-rows.js";
import { TOKENS_CHANNEL, type PostgresDatabase } from "./postgres-database.js";

const NOTIFY = `pg_notify('${TOKENS_CHANNEL}', '')`;

/**
 * The tokens of a flagwire database on PostgreSQL. `changedTokens` must answer synchronously on every call, so the
 * table is kept in memory: re-read when a token is inserted or revoked anywhere (those transactions NOTIFY), after
 * the LISTEN connection comes back, and on the slow periodic look.
 */
export function openPostgresTokenStore(database: PostgresDatabase): TokenStore {
  const readTable = async (): Promise<TokenTable> => {
    const [tokens, marked] = await Promise.all([
      database.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created_at, name`),
      database.query<{ marked: boolean }>("SELECT EXISTS (SELECT 1 FROM auth) AS marked"),
    ]);
    return { tokens: tokens.map(tokenFromRow), marked: marked[0]?.marked === true };
  };
  let fresh: TokenTable | null = null;
  database.retain();
  let open = true;
  // One re-read at a time, and one more when asked meanwhile: an older read never overwrites a newer one.
  let reading = false;
  let again = false;
  const refresh = (): void => {
    if (!open) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    readTable().then(
      (table) => {
        fresh = table;
      },
      () => undefined, // the next notification or periodic look tries again
    ).finally(() => {
      reading = false;
      if (again) {
        again = false;
        refresh();
      }
    });
  };
  const { tokens: onTokens, catchUp } = database.listeners;
  onTokens.add(refresh);
  catchUp.add(refresh);

  return {
    readTokens: readTable,
    async insertToken(token) {
      try {
        await database.pool.query(
          `WITH inserted AS (INSERT INTO tokens (hash, name, role, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING 1)
           SELECT ${NOTIFY} FROM inserted`,
          [token.hash, token.name, token.role, token.createdAt, token.createdBy],
        );
      } catch (err) {
        const { code, constraint } = err as { code?: string; constraint?: string };
        if (code === "23505" && constraint === "tokens_active_name") throw tokenNameTaken(token.name);
        if (code === "23505") throw tokenSecretTaken();
        throw new DomainError("UNAVAILABLE", `token storage error on PostgreSQL at ${database.where}: ${(err as Error).message}`);
      }
    },
    async revokeToken(name, at, by) {
      const rows = await database.query<TokenRow>(
        `WITH revoked AS (UPDATE tokens SET revoked_at = $1, revoked_by = $2 WHERE name = $3 AND revoked_at IS NULL RETURNING ${TOKEN_COLUMNS})
         SELECT revoked.*, ${NOTIFY} FROM revoked`,
        [at, by, name],
      );
      return rows[0] ? tokenFromRow(rows[0]) : null;
    },
    async recordUse(uses) {
      if (uses.size === 0) return;
      await database.query(
        `UPDATE tokens SET last_used_at = GREATEST(COALESCE(last_used_at, 0), used.at)
         FROM (SELECT unnest($1::text[]) AS hash, unnest($2::bigint[]) AS at) AS used WHERE tokens.hash = used.hash`,
        [[...uses.keys()], [...uses.values()]],
      );
    },
    changedTokens() {
      const table = fresh;
      fresh = null;
      return table;
    },
    async close() {
      if (!open) return;
      open = false;
      onTokens.delete(refresh);
      catchUp.delete(refresh);
      await database.release();
    },
  } satisfies TokenStore;
}
