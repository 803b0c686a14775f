/**
 * The PostgreSQL schema, equal in meaning to SQLite's (src/store/sqlite/migrations.ts): the same tables and
 * constraints, plus the `clock` row that numbers revisions. Applied in order at open, under an advisory lock;
 * `schema_version` records how many have run. Never edit a migration that has shipped: add a new one.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE features (
    id                   bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                 text    NOT NULL UNIQUE,
    enabled              boolean NOT NULL,
    description          text    NOT NULL DEFAULT '',
    salt                 text    NOT NULL,
    rollout_basis_points integer CHECK (rollout_basis_points BETWEEN 0 AND 10000),
    rollout_stickiness   text    CHECK (rollout_stickiness IN ('user', 'customer')),
    created_at           bigint  NOT NULL,
    updated_at           bigint  NOT NULL
  );
  CREATE TABLE customers (
    id         text   PRIMARY KEY,
    created_at bigint NOT NULL
  );
  CREATE TABLE users (
    id          text   PRIMARY KEY,
    customer_id text   REFERENCES customers (id) ON DELETE CASCADE,
    created_at  bigint NOT NULL
  );
  CREATE INDEX users_by_customer ON users (customer_id);
  CREATE TABLE overrides (
    feature_id  bigint  NOT NULL REFERENCES features (id) ON DELETE CASCADE,
    target_kind text    NOT NULL CHECK (target_kind IN ('customer', 'user')),
    target_id   text    NOT NULL,
    enabled     boolean NOT NULL,
    PRIMARY KEY (feature_id, target_kind, target_id)
  );
  CREATE INDEX overrides_by_target ON overrides (target_kind, target_id);
  CREATE TABLE segments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text   NOT NULL UNIQUE,
    created_at bigint NOT NULL
  );
  CREATE TABLE segment_members (
    segment_id  bigint NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    member_kind text   NOT NULL CHECK (member_kind IN ('customer', 'user')),
    member_id   text   NOT NULL,
    PRIMARY KEY (segment_id, member_kind, member_id)
  );
  CREATE INDEX segment_members_by_member ON segment_members (member_kind, member_id);
  CREATE TABLE segment_rules (
    feature_id bigint  NOT NULL REFERENCES features (id) ON DELETE CASCADE,
    segment_id bigint  NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    enabled    boolean NOT NULL,
    PRIMARY KEY (feature_id, segment_id)
  );
  CREATE INDEX segment_rules_by_segment ON segment_rules (segment_id);
  -- The change log. Its revision is not a sequence (gaps after rollbacks, not in commit order): each write
  -- transaction locks the one clock row, numbers its changes after it and moves it, so revisions are gap-free
  -- and in commit order across every replica.
  CREATE TABLE changes (
    revision    bigint PRIMARY KEY,
    at          bigint NOT NULL,
    actor       text,
    kind        text   NOT NULL,
    feature     text,
    target_kind text,
    target_id   text,
    data        jsonb  NOT NULL
  );
  CREATE TABLE clock (
    id       integer PRIMARY KEY CHECK (id = 1),
    revision bigint  NOT NULL
  );
  INSERT INTO clock (id, revision) VALUES (1, 0);
  -- API tokens: only the secret's hash is stored; a name may be reused once its token is revoked.
  CREATE TABLE tokens (
    hash         text   PRIMARY KEY,
    name         text   NOT NULL,
    role         text   NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    created_at   bigint NOT NULL,
    created_by   text   NOT NULL,
    last_used_at bigint,
    revoked_at   bigint,
    revoked_by   text
  );
  CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;
  -- Authentication is sticky: the first token marks the database "auth on", and the mark outlives the tokens.
  CREATE TABLE auth (
    id         integer PRIMARY KEY CHECK (id = 1),
    enabled_at bigint  NOT NULL
  );
  CREATE FUNCTION tokens_turn_auth_on() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO auth (id, enabled_at) VALUES (1, NEW.created_at) ON CONFLICT (id) DO NOTHING;
    RETURN NEW;
  END;
  $$;
  CREATE TRIGGER tokens_turn_auth_on AFTER INSERT ON tokens FOR EACH ROW EXECUTE FUNCTION tokens_turn_auth_on();
  `,
];
