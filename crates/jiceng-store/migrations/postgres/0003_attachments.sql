-- Photos and documents attached to work orders, stored with the order's data so a backup
-- of the database is a backup of everything.
CREATE TABLE attachments (
    id            UUID PRIMARY KEY,
    order_id      UUID NOT NULL REFERENCES work_orders (id),
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    data          BYTEA NOT NULL,
    uploaded_by   UUID NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX attachments_order ON attachments (order_id);
