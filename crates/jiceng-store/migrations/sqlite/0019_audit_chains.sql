-- One audit chain per county, and the system chain. A single log with one head row made
-- every write in the province wait for every other; each county now has its own chain,
-- head and checkpoints, keyed by `county_id` first like every county table, and the system
-- chain (logins, users, units, models, tokens) has the key 00000000-0000-0000-0000-000000000000
-- (the nil UUID: no unit has it, and an empty string is not a key on every engine).
--
-- The log written so far is kept, closed, under the names `audit_log_closed`,
-- `audit_head_closed` and `audit_checkpoints_closed`: its entries stay as they were hashed
-- and verify as before. Its last entry's hash, kept in `audit_head_closed`, is the genesis of
-- every new chain (the previous hash of each chain's entry 1); the checkpoint job signs the
-- closed log's final checkpoint over all its entries, whose last hash is that genesis.
--
-- The head no longer follows the log by a trigger: the writer moves its chain's head with an
-- UPDATE in the transaction of the INSERT (jiceng-store's kernel/audit.rs). The append-only
-- guards stay; docs/AUDIT.md gives the grants that keep the log append-only by privileges.
DROP TRIGGER audit_log_moves_head;
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_checkpoints_no_update;
DROP TRIGGER audit_checkpoints_no_delete;
DROP INDEX audit_log_object;
ALTER TABLE audit_log RENAME TO audit_log_closed;
ALTER TABLE audit_head RENAME TO audit_head_closed;
ALTER TABLE audit_checkpoints RENAME TO audit_checkpoints_closed;
CREATE INDEX audit_log_closed_object ON audit_log_closed (object, seq);
CREATE TRIGGER audit_log_closed_no_update BEFORE UPDATE ON audit_log_closed
BEGIN SELECT RAISE(ABORT, 'audit_log_closed is append-only: entries cannot be changed'); END;
CREATE TRIGGER audit_log_closed_no_delete BEFORE DELETE ON audit_log_closed
BEGIN SELECT RAISE(ABORT, 'audit_log_closed is append-only: entries cannot be deleted'); END;
CREATE TRIGGER audit_checkpoints_closed_no_update BEFORE UPDATE ON audit_checkpoints_closed
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints_closed is append-only'); END;
CREATE TRIGGER audit_checkpoints_closed_no_delete BEFORE DELETE ON audit_checkpoints_closed
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints_closed is append-only'); END;

CREATE TABLE audit_log (
    county_id  BLOB NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL,
    PRIMARY KEY (county_id, seq)
);
CREATE INDEX audit_log_object ON audit_log (county_id, object, seq);

-- Each chain's last entry: number and hash. A chain's row is made by its first append
-- (seq 0 and the genesis) and moved by every append in the same transaction.
CREATE TABLE audit_head (
    county_id  BLOB PRIMARY KEY NOT NULL,
    seq        INTEGER NOT NULL,
    hash       BLOB NOT NULL
);

CREATE TABLE audit_checkpoints (
    county_id  BLOB NOT NULL,
    size       INTEGER NOT NULL,
    root       BLOB NOT NULL,
    at         INTEGER NOT NULL,
    signature  BLOB NOT NULL,
    key_id     TEXT NOT NULL,
    last_hash  BLOB NOT NULL,
    frontier   TEXT NOT NULL,
    PRIMARY KEY (county_id, size)
);

-- Signed Merkle trees over the chains' latest checkpoints (jiceng_kernel::audit::province).
-- Province-wide, not a county's: `chains` lists the heads the tree was made of, as JSON.
CREATE TABLE audit_province_checkpoints (
    id         INTEGER PRIMARY KEY NOT NULL,
    at         INTEGER NOT NULL,
    root       BLOB NOT NULL,
    signature  BLOB NOT NULL,
    key_id     TEXT NOT NULL,
    chains     TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_province_checkpoints_no_update BEFORE UPDATE ON audit_province_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_province_checkpoints is append-only'); END;
CREATE TRIGGER audit_province_checkpoints_no_delete BEFORE DELETE ON audit_province_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_province_checkpoints is append-only'); END;
