-- Organisation, users, roles, sessions, API tokens, login attempts.
-- Instants are BIGINT microseconds since the Unix epoch (UTC), the same encoding as SQLite,
-- so that both backends order and compare them identically.

CREATE TABLE org_units (
    id          UUID PRIMARY KEY,
    parent_id   UUID REFERENCES org_units (id),
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    code        TEXT UNIQUE,
    path        TEXT COLLATE "C" NOT NULL UNIQUE,
    geometry    JSONB,
    created_at  BIGINT NOT NULL
);
CREATE INDEX org_units_parent ON org_units (parent_id);

CREATE TABLE users (
    id             UUID PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    phone          TEXT,
    password_hash  TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL
);

CREATE TABLE user_roles (
    user_id  UUID NOT NULL REFERENCES users (id),
    role     TEXT NOT NULL,
    unit_id  UUID NOT NULL REFERENCES org_units (id),
    PRIMARY KEY (user_id, role, unit_id)
);
CREATE INDEX user_roles_unit ON user_roles (unit_id);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id),
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            UUID PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_attempts (
    id        UUID PRIMARY KEY,
    username  TEXT NOT NULL,
    ip        TEXT NOT NULL,
    success   BOOLEAN NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);
