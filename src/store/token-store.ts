import type { Role } from "../domain/api-token.js";

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

/** Where API tokens live; in the same database as the flags, so that every server sharing it agrees. */
export interface TokenStore {
  /** Every token, active and revoked, oldest first. */
  listTokens(): StoredToken[];
  /** Inserts a token; ALREADY_EXISTS when an active token has its name or a token has its hash. */
  insertToken(token: NewToken): void;
  /** Marks the active token `name` revoked; returns it, or null when there is none. */
  revokeToken(name: string, at: number, by: string): StoredToken | null;
  /** Whether a token was ever created in this database: then authentication stays on, even with no token left. */
  authMarked(): boolean;
  /** Records last-use times (hash -> ms), keeping the later of stored and given; one transaction. */
  recordUse(uses: ReadonlyMap<string, number>): void;
  /** True when another connection or process wrote to the database since the last call. */
  changedElsewhere(): boolean;
  close(): void;
}
