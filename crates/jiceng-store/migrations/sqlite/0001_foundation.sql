-- Organisation, users, roles, sessions, API tokens, login attempts.
-- Instants are INTEGER microseconds since the Unix epoch (UTC); ids are UUID v7 as 16-byte BLOBs.

CREATE TABLE org_units (
    id          BLOB PRIMARY KEY NOT NULL,
    parent_id   BLOB REFERENCES org_units (id),
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    code        TEXT UNIQUE,
    path        TEXT NOT NULL UNIQUE,
    geometry    TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX org_units_parent ON org_units (parent_id);

CREATE TABLE users (
    id             BLOB PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    phone          TEXT,
    password_hash  TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     INTEGER NOT NULL
);

CREATE TABLE user_roles (
    user_id  BLOB NOT NULL REFERENCES users (id),
    role     TEXT NOT NULL,
    unit_id  BLOB NOT NULL REFERENCES org_units (id),
    PRIMARY KEY (user_id, role, unit_id)
);
CREATE INDEX user_roles_unit ON user_roles (unit_id);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id),
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            BLOB PRIMARY KEY NOT NULL,
    user_id       BLOB NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    last_used_at  INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_attempts (
    id        BLOB PRIMARY KEY NOT NULL,
    username  TEXT NOT NULL,
    ip        TEXT NOT NULL,
    success   BOOLEAN NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);
