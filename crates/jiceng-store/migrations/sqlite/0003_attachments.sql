-- Photos and documents attached to work orders, stored with the order's data so a backup
-- of the database is a backup of everything.
CREATE TABLE attachments (
    id            BLOB PRIMARY KEY NOT NULL,
    order_id      BLOB NOT NULL REFERENCES work_orders (id),
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    data          BLOB NOT NULL,
    uploaded_by   BLOB NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL
);
CREATE INDEX attachments_order ON attachments (order_id);
