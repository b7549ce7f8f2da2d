-- Messages to citizens, written in the same transaction as the change that causes them;
-- a delivery worker sends them and marks them done, so a restart loses none.
CREATE TABLE outbox (
    id          BLOB PRIMARY KEY NOT NULL,
    order_id    BLOB NOT NULL REFERENCES work_orders (id),
    kind        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    text        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX outbox_pending ON outbox (status, id);
