import { accessSync, closeSync, constants, existsSync, openSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { DomainError } from "../../domain/domain-error.js";
import { MIGRATIONS } from "./migrations.js";
import { storageError } from "./storage-error.js";

/** How long a statement waits for another process's lock before it fails with "locked". */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens a flagwire database read-write, creating and migrating it as needed, in WAL mode with
 * `synchronous=FULL`.
 *
 * An existing file is first inspected through a read-only connection: one that is corrupt, not a flagwire
 * database, from a newer flagwire, locked, or not writable is refused with a message that names the file and
 * what to do, and is never written to (not even switched to WAL mode). `inspected: true` skips that inspection
 * (its `quick_check` reads the whole file: seconds for a large database) for a second connection to a file this
 * process has just opened and inspected.
 */
export function openDatabase(path: string, options: { inspected?: boolean } = {}): Database.Database {
  checkDatabasePath(path);
  checkWritable(path);
  if (!existsSync(path)) createPrivateFile(path);
  else if (options.inspected !== true) inspect(path);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    migrate(db);
    return db;
  } catch (err) {
    db?.close();
    throw storageError(path, err);
  }
}

/** Opens an existing database read-only, for backups and inspection; the same refusals as {@link openDatabase}. */
export function openDatabaseReadOnly(path: string): Database.Database {
  checkDatabasePath(path);
  if (!existsSync(path)) throw storageError(path, Object.assign(new Error("no such file"), { code: "SQLITE_CANTOPEN" }));
  checkNotDirectory(path);
  inspect(path, { mustHaveSchema: true });
  try {
    return new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw storageError(path, err);
  }
}

/**
 * Refuses a path that SQLite would take for a throwaway database: "" is a temporary file deleted on close,
 * `:memory:` lives in memory, and a `file:` URI may say `mode=memory`. Acknowledged writes would be gone at the
 * next start, without a word, so no flagwire database is ever opened that way.
 */
export function checkDatabasePath(path: string): void {
  if (path.trim() === "" || path === ":memory:" || /^file:/i.test(path)) {
    throw new DomainError(
      "INVALID_ARGUMENT",
      `${JSON.stringify(path)} is not a database file: SQLite would keep such a database in memory or in a temporary file, ` +
        `and every change would be lost; give the path of a file, e.g. ./feature_flags.db (an empty --db or FLAGWIRE_DB counts too)`,
    );
  }
}

/**
 * Creates the database file readable by its owner only: it holds the token hashes, and SQLite gives the -wal and
 * -shm files it creates later the mode of the database file.
 */
function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw storageError(path, Object.assign(err as Error, { code: "SQLITE_CANTOPEN" }));
  }
}

/** SQLite reports a directory as a disk I/O error; say what it is instead. */
function checkNotDirectory(path: string): void {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new DomainError(
      "INVALID_ARGUMENT",
      `database ${JSON.stringify(path)} is a directory: give the path of a database file in it, e.g. ${join(path, "feature_flags.db")}`,
    );
  }
}

/**
 * Refuses a file or directory this process may not write: SQLite would open such a file read-only without a
 * word and fail at the first write. `access(2)` answers for this user, ACLs and read-only mounts included.
 */
function checkWritable(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    throw storageError(path, Object.assign(new Error(`directory ${JSON.stringify(dir)} does not exist`), { code: "SQLITE_CANTOPEN" }));
  }
  checkNotDirectory(path);
  for (const target of existsSync(path) ? [path, dir] : [dir]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      throw storageError(path, Object.assign(new Error(`${JSON.stringify(target)} is not writable (${code})`), { code: "SQLITE_READONLY" }));
    }
  }
}

/**
 * Checks an existing file through a read-only connection, so that a refused file is left exactly as it was. A
 * database read as a source (a backup, or what is backed up) must have flagwire's schema: an empty file has none.
 */
function inspect(path: string, { mustHaveSchema = false } = {}): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new DomainError(
        "FAILED_PRECONDITION",
        `database ${JSON.stringify(path)} has schema version ${version}, newer than this flagwire understands ` +
          `(${MIGRATIONS.length}): run the flagwire version that wrote it, or a newer one; the file was left as it is`,
      );
    }
    const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
    if (mustHaveSchema && version === 0 && tables === 0) {
      throw new DomainError(
        "FAILED_PRECONDITION",
        `database ${JSON.stringify(path)} is empty: it is not a flagwire database or backup (a backup is written by \`flagwire backup\`); ` +
          `the file was left as it is`,
      );
    }
    if (version === 0 && tables > 0) {
      throw new DomainError(
        "FAILED_PRECONDITION",
        `database ${JSON.stringify(path)} is not a flagwire database (it has ${tables} tables but no flagwire schema version): ` +
          `point flagwire at its own file; the file was left as it is`,
      );
    }
    const problems = db.pragma("quick_check", { simple: false }) as { quick_check: string }[];
    if (problems[0]?.quick_check !== "ok") {
      const detail = problems.slice(0, 3).map((row) => row.quick_check).join("; ");
      throw Object.assign(new Error(`integrity check failed: ${detail}`), { code: "SQLITE_CORRUPT" });
    }
  } catch (err) {
    throw storageError(path, err);
  } finally {
    db?.close();
  }
}

/** Runs the migrations the database has not seen, each in its own transaction with its `user_version`. */
function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
