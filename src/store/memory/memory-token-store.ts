import { DomainError } from "../../domain/domain-error.js";
import { tokenNameTaken, tokenSecretTaken, type TokenStore, type TokenTable } from "../token-store.js";
import { announceCommit, createMemoryDatabase, type MemoryConnection, type MemoryDatabase } from "./memory-database.js";

/** Opens the tokens of an in-memory database (see `openMemoryStore`); a fresh database by default. */
export function openMemoryTokenStore(options: { database?: MemoryDatabase } = {}): TokenStore {
  const database = options.database ?? createMemoryDatabase();
  // Like SQLite's data_version: moved by other connections' commits only.
  let changed = false;
  const connection: MemoryConnection = { committedElsewhere: () => (changed = true) };
  database.connections.add(connection);
  let open = true;
  const run = <T>(action: () => T): Promise<T> => {
    if (!open) return Promise.reject(new DomainError("UNAVAILABLE", "the in-memory token store is closed"));
    try {
      return Promise.resolve(action());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  const readTable = (): TokenTable => ({
    tokens: [...database.tokens].sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((t) => ({ ...t })),
    marked: database.marked,
  });

  return {
    readTokens: () => run(readTable),
    insertToken: (token) =>
      run(() => {
        if (database.tokens.some((t) => t.hash === token.hash)) throw tokenSecretTaken();
        if (database.tokens.some((t) => t.name === token.name && t.revokedAt === null)) throw tokenNameTaken(token.name);
        database.tokens.push({ ...token, lastUsedAt: null, revokedAt: null, revokedBy: null });
        database.marked = true;
        announceCommit(database, connection);
      }),
    revokeToken: (name, at, by) =>
      run(() => {
        const token = database.tokens.find((t) => t.name === name && t.revokedAt === null);
        if (!token) return null;
        token.revokedAt = at;
        token.revokedBy = by;
        announceCommit(database, connection);
        return { ...token };
      }),
    recordUse: (uses) =>
      run(() => {
        for (const token of database.tokens) {
          const at = uses.get(token.hash);
          if (at !== undefined) token.lastUsedAt = Math.max(token.lastUsedAt ?? 0, at);
        }
        if (uses.size > 0) announceCommit(database, connection);
      }),
    changedTokens() {
      if (!changed) return null;
      changed = false;
      return readTable();
    },
    close() {
      open = false;
      database.connections.delete(connection);
      return Promise.resolve();
    },
  } satisfies TokenStore;
}
