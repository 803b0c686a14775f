import type { Role } from "../domain/api-token.js";
import { DomainError } from "../domain/domain-error.js";
import { quote } from "../domain/identifiers.js";

/** An API token as stored: never its secret, only the secret's hash. */
export interface StoredToken {
  /** SHA-256 of the secret, hex (see `hashSecret`). */
  hash: string;
  name: string;
  role: Role;
  /** Milliseconds since the epoch. */
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
  revokedBy: string | null;
}

/** A new token's row. */
export type NewToken = Pick<StoredToken, "hash" | "name" | "role" | "createdAt" | "createdBy">;

/** The tokens table as the registry keeps it in memory. */
export interface TokenTable {
  /** Every token, active and revoked, oldest first. */
  tokens: StoredToken[];
  /** Whether a token was ever created in this database: then authentication stays on, even with no token left. */
  marked: boolean;
}

/** Where API tokens live; in the same database as the flags, so that every server sharing it agrees. */
export interface TokenStore {
  /** The whole table, read at once. */
  readTokens(): Promise<TokenTable>;
  /** Inserts a token; ALREADY_EXISTS when an active token has its name or a token has its hash. */
  insertToken(token: NewToken): Promise<void>;
  /** Marks the active token `name` revoked; returns it, or null when there is none. */
  revokeToken(name: string, at: number, by: string): Promise<StoredToken | null>;
  /** Records last-use times (hash -> ms), keeping the later of stored and given; one transaction. */
  recordUse(uses: ReadonlyMap<string, number>): Promise<void>;
  /**
   * The table re-read when another connection or process changed the database since the last call, else null.
   * Asked on every authenticated call, so that a revocation anywhere refuses the token's next call: hence
   * synchronous and cheap (SQLite: one `PRAGMA data_version`, the re-read only when it moved), which keeps the
   * call path free of awaits. A network backend answers from the table its change notifications keep current.
   */
  changedTokens(): TokenTable | null;
  close(): Promise<void>;
}

/** ALREADY_EXISTS for a second active token of one name; every backend refuses it in these words. */
export function tokenNameTaken(name: string): DomainError {
  return new DomainError("ALREADY_EXISTS", `an active token is already named ${quote(name)}: revoke it first or pick another name`);
}

/** ALREADY_EXISTS for a secret that some token already has. */
export function tokenSecretTaken(): DomainError {
  return new DomainError("ALREADY_EXISTS", "a token with this secret already exists");
}
