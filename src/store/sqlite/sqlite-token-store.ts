import { DomainError } from "../../domain/domain-error.js";
import { tokenNameTaken, tokenSecretTaken, type TokenStore, type TokenTable } from "../token-store.js";
import { TOKEN_COLUMNS, tokenFromRow, type TokenRow } from "../token-rows.js";
import { openDatabase } from "./open-database.js";
import { settle } from "./settle.js";


/**
 * Opens the tokens of a flagwire database (creating and migrating the file like the flag store does). It uses a
 * connection of its own, so that `changedTokens` also notices writes of the flag store in the same process:
 * cheap to reload, since tokens are few.
 */
export function openSqliteTokenStore(options: { path: string; inspected?: boolean }): TokenStore {
  const db = openDatabase(options.path, { inspected: options.inspected });
  const sql = {
    list: db.prepare(`SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created_at, name`),
    insert: db.prepare(
      "INSERT INTO tokens (hash, name, role, created_at, created_by) VALUES (@hash, @name, @role, @createdAt, @createdBy)",
    ),
    revoke: db.prepare(
      `UPDATE tokens SET revoked_at = ?, revoked_by = ? WHERE name = ? AND revoked_at IS NULL RETURNING ${TOKEN_COLUMNS}`,
    ),
    recordUse: db.prepare("UPDATE tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE hash = ?"),
    authMarked: db.prepare("SELECT EXISTS (SELECT 1 FROM auth)").pluck(),
    dataVersion: db.prepare("PRAGMA data_version").pluck(),
  };
  let dataVersion = sql.dataVersion.get() as number;
  const storageError = (err: unknown) =>
    err instanceof DomainError ? err : new DomainError("UNAVAILABLE", `token storage error: ${(err as Error).message}`);

  const readTable = (): TokenTable => ({ tokens: (sql.list.all() as TokenRow[]).map(tokenFromRow), marked: sql.authMarked.get() === 1 });

  return {
    readTokens: () => settle(readTable),
    insertToken(token) {
      return settle(() => {
        try {
          sql.insert.run(token);
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === "SQLITE_CONSTRAINT_UNIQUE") {
            throw tokenNameTaken(token.name);
          }
          if (code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
            throw tokenSecretTaken();
          }
          throw storageError(err);
        }
      });
    },
    revokeToken(name, at, by) {
      return settle(() => {
        try {
          const row = sql.revoke.get(at, by, name) as TokenRow | undefined;
          return row ? tokenFromRow(row) : null;
        } catch (err) {
          throw storageError(err);
        }
      });
    },
    recordUse(uses) {
      return settle(() =>
        db.transaction(() => {
          for (const [hash, at] of uses) sql.recordUse.run(at, hash);
        }).immediate(),
      );
    },
    changedTokens() {
      const version = sql.dataVersion.get() as number;
      if (version === dataVersion) return null;
      dataVersion = version;
      return readTable();
    },
    close() {
      if (db.open) db.close();
      return Promise.resolve();
    },
  } satisfies TokenStore;
}
