-- The public lookup, the login lock and idempotent intake must hold against guessing and
-- concurrency (issue 11):
-- * tracking_hash: the fingerprint of the tracking code (查询码) printed on the receipt. The
--   lookup needs it besides the phone, because staff screens show all but four digits of the
--   phone. NULL for orders registered before this version; those cannot be looked up publicly.
-- * request_hash: the fingerprint of the request an idempotency key was first used with, so a
--   key reused with another body is refused instead of answering with the first order. NULL for
--   keys stored before this version.
-- * attempt_throttles: attempts counted per scope (`login_user`, `login_ip`, `lookup_ip`,
--   `lookup_number`) and key. An attempt is reserved here before a password or a code is
--   checked, by a compare-and-swap on (attempts, last_at), so concurrent requests and several
--   servers on one database share one count.
ALTER TABLE work_orders ADD COLUMN tracking_hash TEXT;
ALTER TABLE idempotency_keys ADD COLUMN request_hash TEXT;

CREATE TABLE attempt_throttles (
    scope     TEXT NOT NULL,
    key       TEXT NOT NULL,
    attempts  BIGINT NOT NULL,
    last_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
