-- Background jobs of the server run under one supervisor. A job that must not run twice at
-- once across the servers sharing this database (the deadline sweep, audit checkpoints)
-- holds its row here for the length of one tick: `holder` names the server process, and
-- `expires_at` (microseconds since the Unix epoch, UTC) frees the row when that process died
-- mid-tick. The row is taken by one conditional upsert, so no lock outlives a statement.
CREATE TABLE job_leases (
    job         TEXT PRIMARY KEY NOT NULL,
    holder      TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
