/**
 * Schema migrations, applied in order at open; `PRAGMA user_version` records how many have run.
 * Never edit a migration that has shipped: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE features (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    description TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE TABLE customers (
    id         TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE users (
    id          TEXT    PRIMARY KEY,
    customer_id TEXT    REFERENCES customers (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX users_by_customer ON users (customer_id);
  CREATE TABLE overrides (
    feature_id  INTEGER NOT NULL REFERENCES features (id) ON DELETE CASCADE,
    target_kind TEXT    NOT NULL CHECK (target_kind IN ('customer', 'user')),
    target_id   TEXT    NOT NULL,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    PRIMARY KEY (feature_id, target_kind, target_id)
  ) WITHOUT ROWID;
  CREATE INDEX overrides_by_target ON overrides (target_kind, target_id);
  CREATE TABLE changes (
    revision    INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT,
    kind        TEXT    NOT NULL,
    feature     TEXT,
    target_kind TEXT,
    target_id   TEXT,
    data        TEXT    NOT NULL
  );
  `,
  // API tokens: only the secret's hash is stored. Revoked rows stay (who revoked it, and when), and a name
  // may be reused once its token is revoked.
  `
  CREATE TABLE tokens (
    hash         TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    revoked_by   TEXT
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;
  `,
];
