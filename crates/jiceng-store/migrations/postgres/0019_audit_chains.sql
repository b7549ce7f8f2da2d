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
DROP TRIGGER audit_log_moves_head ON audit_log;
DROP FUNCTION audit_move_head();
-- The closed tables keep their append-only triggers; their indexes and keys are renamed so
-- that the new tables can take the old names.
ALTER TABLE audit_log RENAME TO audit_log_closed;
ALTER TABLE audit_head RENAME TO audit_head_closed;
ALTER TABLE audit_checkpoints RENAME TO audit_checkpoints_closed;
ALTER INDEX audit_log_pkey RENAME TO audit_log_closed_pkey;
ALTER INDEX audit_log_object RENAME TO audit_log_closed_object;
ALTER INDEX audit_head_pkey RENAME TO audit_head_closed_pkey;
ALTER INDEX audit_checkpoints_pkey RENAME TO audit_checkpoints_closed_pkey;

CREATE TABLE audit_log (
    county_id  UUID NOT NULL,
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    object     TEXT COLLATE "C" NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  BYTEA NOT NULL,
    hash       BYTEA NOT NULL,
    PRIMARY KEY (county_id, seq)
);
CREATE INDEX audit_log_object ON audit_log (county_id, object, seq);

-- Each chain's last entry: number and hash. A chain's row is made by its first append
-- (seq 0 and the genesis) and moved by every append in the same transaction.
CREATE TABLE audit_head (
    county_id  UUID PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       BYTEA NOT NULL
);

CREATE TABLE audit_checkpoints (
    county_id  UUID NOT NULL,
    size       BIGINT NOT NULL,
    root       BYTEA NOT NULL,
    at         BIGINT NOT NULL,
    signature  BYTEA NOT NULL,
    key_id     TEXT NOT NULL,
    last_hash  BYTEA NOT NULL,
    frontier   TEXT NOT NULL,
    PRIMARY KEY (county_id, size)
);

-- Signed Merkle trees over the chains' latest checkpoints (jiceng_kernel::audit::province).
-- Province-wide, not a county's: `chains` lists the heads the tree was made of, as JSON.
CREATE TABLE audit_province_checkpoints (
    id         BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    root       BYTEA NOT NULL,
    signature  BYTEA NOT NULL,
    key_id     TEXT NOT NULL,
    chains     TEXT NOT NULL
);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_province_checkpoints_append_only BEFORE UPDATE OR DELETE
    ON audit_province_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_province_checkpoints_no_truncate BEFORE TRUNCATE
    ON audit_province_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
