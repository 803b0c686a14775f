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
  // 2: percentage rollouts (a salt per feature, fixed at creation) and segments with their members and rules.
  // Features created before this migration have no salt in their created event; their salt is derived from
  // their creation time, as legacySalt() in src/domain/change.ts derives it when their event is read.
  `
  ALTER TABLE features ADD COLUMN salt TEXT NOT NULL DEFAULT '';
  UPDATE features SET salt = 'legacy-' || created_at;
  ALTER TABLE features ADD COLUMN rollout_basis_points INTEGER CHECK (rollout_basis_points BETWEEN 0 AND 10000);
  ALTER TABLE features ADD COLUMN rollout_stickiness TEXT CHECK (rollout_stickiness IN ('user', 'customer'));
  CREATE TABLE segments (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE segment_members (
    segment_id  INTEGER NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    member_kind TEXT    NOT NULL CHECK (member_kind IN ('customer', 'user')),
    member_id   TEXT    NOT NULL,
    PRIMARY KEY (segment_id, member_kind, member_id)
  ) WITHOUT ROWID;
  CREATE INDEX segment_members_by_member ON segment_members (member_kind, member_id);
  CREATE TABLE segment_rules (
    feature_id INTEGER NOT NULL REFERENCES features (id) ON DELETE CASCADE,
    segment_id INTEGER NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    PRIMARY KEY (feature_id, segment_id)
  ) WITHOUT ROWID;
  CREATE INDEX segment_rules_by_segment ON segment_rules (segment_id);
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
  // 4: authentication is sticky. The first token inserted marks the database "auth on" in its own transaction
  // (the trigger), and the mark stays when tokens are deleted: an emptied tokens table must lock everyone out,
  // not open the server. Databases that already hold tokens get the mark now.
  `
  CREATE TABLE auth (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    enabled_at INTEGER NOT NULL
  );
  INSERT INTO auth (id, enabled_at) SELECT 1, MIN(created_at) FROM tokens HAVING COUNT(*) > 0;
  CREATE TRIGGER tokens_turn_auth_on AFTER INSERT ON tokens
  BEGIN
    INSERT OR IGNORE INTO auth (id, enabled_at) VALUES (1, NEW.created_at);
  END;
  `,
  // 5: flag usage, flushed in aggregate by every process (src/store/usage-store.ts): the last evaluation of each
  // feature, and evaluations per UTC day. Keyed by feature id: a rename keeps its usage, a delete drops it.
  `
  CREATE TABLE feature_usage (
    feature_id        INTEGER PRIMARY KEY REFERENCES features (id) ON DELETE CASCADE,
    last_evaluated_at INTEGER NOT NULL
  );
  CREATE TABLE feature_usage_days (
    feature_id  INTEGER NOT NULL REFERENCES features (id) ON DELETE CASCADE,
    day         INTEGER NOT NULL,
    evaluations INTEGER NOT NULL CHECK (evaluations >= 0),
    PRIMARY KEY (feature_id, day)
  ) WITHOUT ROWID;
  CREATE INDEX feature_usage_days_by_day ON feature_usage_days (day);
  `,
];
