-- The tamper-evident audit log: append-only, hash-chained, covered by signed Merkle
-- checkpoints. See jiceng_core::audit.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY NOT NULL,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object, seq);

-- The last entry's number and hash. Every writer updates this one row, which serialises
-- appends so that each entry links to the one before it.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

-- Signed tree heads. `frontier` holds the roots of the complete subtrees at this size, so
-- the next checkpoint continues from here without rereading the log.
CREATE TABLE audit_checkpoints (
    size       INTEGER PRIMARY KEY NOT NULL,
    root       BLOB NOT NULL,
    at         INTEGER NOT NULL,
    signature  BLOB NOT NULL,
    key_id     TEXT NOT NULL,
    last_hash  BLOB NOT NULL,
    frontier   TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
