import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { DomainError } from "../../domain/domain-error.js";
import { checkDatabasePath, openDatabaseReadOnly } from "./open-database.js";
import { storageError } from "./storage-error.js";

/** What a backup or a restore produced. */
export interface CopyResult {
  /** The latest revision in the copy: every change up to it is in. */
  revision: number;
}

/** A database's authentication, as a restore reports it: on once a token was ever created there. */
export interface AuthState {
  on: boolean;
  /** Tokens not revoked: with `on` and none, nobody can call the server until one is created on the file. */
  activeTokens: number;
}

/**
 * Writes a consistent copy of the database at `sourcePath` to `destinationPath`, online: flagwire servers may
 * keep reading and writing the source meanwhile (a WAL reader blocks no writer).
 *
 * `VACUUM INTO` copies one read transaction, so the copy is exactly the database at one revision, data and change
 * log alike. It goes to a temporary file that is synced and then renamed, so `destinationPath` is either absent
 * or complete, even if the machine stops halfway. An existing destination is refused, never overwritten.
 *
 * @example
 * const { revision } = backupDatabase("./feature_flags.db", "/backups/flags-2024-05-01.db");
 */
export function backupDatabase(sourcePath: string, destinationPath: string): CopyResult {
  checkDatabasePath(destinationPath);
  if (resolve(sourcePath) === resolve(destinationPath)) {
    throw new DomainError("INVALID_ARGUMENT", `the backup file ${JSON.stringify(destinationPath)} is the database itself: choose another file`);
  }
  if (existsSync(destinationPath)) {
    throw new DomainError("ALREADY_EXISTS", `${JSON.stringify(destinationPath)} already exists: choose a new file name, or remove it first`);
  }
  const partial = `${destinationPath}.partial`;
  rmSync(partial, { force: true }); // left by a backup that was interrupted
  const source = openDatabaseReadOnly(sourcePath);
  try {
    // VACUUM INTO fills an empty file it finds, keeping its mode: a backup holds the token hashes too.
    closeSync(openSync(partial, "wx", 0o600));
    source.prepare("VACUUM INTO ?").run(partial);
  } catch (err) {
    rmSync(partial, { force: true });
    throw storageError(destinationPath, err);
  } finally {
    source.close();
  }
  syncFile(partial);
  renameSync(partial, destinationPath);
  syncFile(dirname(destinationPath));
  return { revision: revisionOf(destinationPath) };
}

/**
 * Replaces the database at `dbPath` with a consistent copy of `backupPath`; no server may have `dbPath` open.
 * The replaced database (and its -wal file, if any) is kept beside it as `<db>.before-restore-<time>`.
 *
 * @example
 * const { revision, previous } = restoreDatabase("/backups/flags-2024-05-01.db", "./feature_flags.db");
 */
export function restoreDatabase(
  backupPath: string,
  dbPath: string,
): CopyResult & { previous: string | null; auth: AuthState; previousAuth: AuthState | null } {
  checkDatabasePath(dbPath);
  if (resolve(backupPath) === resolve(dbPath)) {
    throw new DomainError("INVALID_ARGUMENT", `the backup ${JSON.stringify(backupPath)} is the database itself: nothing to restore`);
  }
  const restoring = `${dbPath}.restoring`;
  rmSync(restoring, { force: true });
  // Checks the backup (refusing a corrupt, foreign or newer one) and copies it whole, -wal included.
  const { revision } = backupDatabase(backupPath, restoring);
  let previous: string | null = null;
  let previousAuth: AuthState | null = null;
  try {
    if (existsSync(dbPath)) {
      checkNotInUse(dbPath);
      previousAuth = authStateOrNull(dbPath);
      previous = `${dbPath}.before-restore-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      renameSync(dbPath, previous);
      for (const suffix of ["-wal", "-shm"]) {
        if (existsSync(dbPath + suffix)) renameSync(dbPath + suffix, previous + suffix);
      }
    }
    renameSync(restoring, dbPath);
    syncFile(dirname(dbPath));
  } finally {
    rmSync(restoring, { force: true });
  }
  return { revision, previous, auth: authStateOf(dbPath), previousAuth };
}

/** The replaced database may be damaged (that is what restores are for): then its state is unknown. */
function authStateOrNull(path: string): AuthState | null {
  try {
    return authStateOf(path);
  } catch {
    return null;
  }
}

/**
 * Reads a database's authentication without migrating it: a backup from before the auth mark (migration 4)
 * is "on" when it holds tokens, as that migration will mark it.
 */
export function authStateOf(path: string): AuthState {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    if (!tables.has("tokens")) return { on: false, activeTokens: 0 };
    const count = (sql: string) => Number(db.prepare(sql).pluck().get());
    const marked = tables.has("auth") && count("SELECT COUNT(*) FROM auth") > 0;
    return {
      on: marked || count("SELECT COUNT(*) FROM tokens") > 0,
      activeTokens: count("SELECT COUNT(*) FROM tokens WHERE revoked_at IS NULL"),
    };
  } finally {
    db.close();
  }
}

/**
 * Refuses a database that another connection has open. In WAL mode every open connection holds a shared lock
 * on the -shm index, so an exclusive lock is granted only to a connection that is alone.
 */
function checkNotInUse(dbPath: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(dbPath, { fileMustExist: true, timeout: 0 });
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
    db.exec("ROLLBACK");
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? "");
    // A database too damaged to lock is what a restore is for: nothing can be serving it.
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return;
    if (/^SQLITE_(BUSY|LOCKED)/.test(code)) {
      throw new DomainError(
        "FAILED_PRECONDITION",
        `database ${JSON.stringify(dbPath)} is in use (a flagwire server or another program has it open): stop it, then restore`,
      );
    }
    throw storageError(dbPath, err);
  } finally {
    db?.close();
  }
}

/** Flushes a file or directory to disk, so that a rename that follows cannot be seen before the data. */
function syncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function revisionOf(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return Number(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").pluck().get() ?? 0);
  } finally {
    db.close();
  }
}
