import type { Role } from "../domain/api-token.js";
import type { StoredToken } from "./token-store.js";

/** A row of the tokens table, as both backends name its columns (ARCHITECTURE.md's data model). */
export interface TokenRow {
  hash: string;
  name: string;
  role: Role;
  // PostgreSQL's BIGINT arrives as a string unless pg is told otherwise; SQLite's INTEGER as a number.
  created_at: number | string;
  created_by: string;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
  revoked_by: string | null;
}

/** The columns of {@link TokenRow}, in the order both backends select them. */
export const TOKEN_COLUMNS = "hash, name, role, created_at, created_by, last_used_at, revoked_at, revoked_by";

/** A token as the registry keeps it, from its row. */
export function tokenFromRow(row: TokenRow): StoredToken {
  return {
    hash: row.hash,
    name: row.name,
    role: row.role,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revokedBy: row.revoked_by,
  };
}
