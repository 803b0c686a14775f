import { DomainError } from "../../domain/domain-error.js";

/** What an operator reads for each SQLite failure: what happened to the file, and what to do about it. */
const ADVICE: { codes: RegExp; explain: (file: string) => string }[] = [
  {
    codes: /^SQLITE_(BUSY|LOCKED)/,
    explain: (file) =>
      `database ${file} is locked by another process: stop the program that holds an exclusive lock on it, then retry ` +
      `(flagwire processes can share a file, but not with one that locks it exclusively)`,
  },
  {
    codes: /^SQLITE_READONLY/,
    explain: (file) =>
      `database ${file} is read-only: flagwire must write the file and create its -wal and -shm files beside it; ` +
      `give the user it runs as write access to the file and its directory`,
  },
  { codes: /^SQLITE_FULL/, explain: (file) => `no space left for database ${file}: free space on its disk, then retry` },
  {
    codes: /^SQLITE_(CORRUPT|NOTADB)/,
    explain: (file) =>
      `database ${file} is corrupt or not a SQLite database: restore it from a backup (flagwire backup), ` +
      `or point flagwire at the right file`,
  },
  {
    codes: /^SQLITE_CANTOPEN/,
    explain: (file) => `cannot open database ${file}: check that its directory exists and that flagwire may write there`,
  },
  { codes: /^SQLITE_IOERR/, explain: (file) => `I/O error on database ${file}: check its disk, then retry` },
];

/**
 * Turns what SQLite (or the file system) threw into a DomainError that names the file and says what to do.
 * Domain errors pass through. A constraint violation means the stored data disagrees with what was checked
 * (a database edited by hand): FAILED_PRECONDITION. Anything else is storage that cannot be used right now:
 * UNAVAILABLE, so the caller retries once the operator has fixed it.
 *
 * @example
 * storageError("/var/lib/flagwire/flags.db", sqliteError) // UNAVAILABLE: database "…" is read-only: …
 */
export function storageError(path: string, err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const code = (err as { code?: unknown }).code;
  const detail = err instanceof Error ? err.message : String(err);
  const sqliteCode = typeof code === "string" ? code : "";
  if (sqliteCode.startsWith("SQLITE_CONSTRAINT")) {
    return new DomainError("FAILED_PRECONDITION", `the change conflicts with the stored data: ${detail}`);
  }
  const file = JSON.stringify(path);
  const advice = ADVICE.find(({ codes }) => codes.test(sqliteCode));
  const message = advice ? advice.explain(file) : `storage error on database ${file}`;
  return new DomainError("UNAVAILABLE", `${message} (${sqliteCode ? `${sqliteCode}: ` : ""}${detail})`);
}

