-- Work orders. `doc` holds the whole order as JSON; the other columns are derived from it
-- for filtering and indexing, and are rewritten with it by every transition.

CREATE TABLE work_orders (
    id                 BLOB PRIMARY KEY NOT NULL,
    number             TEXT NOT NULL UNIQUE,
    status             TEXT NOT NULL,
    channel            TEXT NOT NULL,
    category           TEXT,
    urgency            TEXT NOT NULL,
    title              TEXT NOT NULL,
    content            TEXT NOT NULL,
    caller_phone       TEXT,
    region_unit_id     BLOB NOT NULL REFERENCES org_units (id),
    region_path        TEXT NOT NULL,
    lead_unit_id       BLOB REFERENCES org_units (id),
    lead_path          TEXT,
    handling_due       INTEGER,
    pending_extension  BOOLEAN NOT NULL DEFAULT FALSE,
    created_by         BLOB NOT NULL REFERENCES users (id),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL,
    doc                TEXT NOT NULL
);
CREATE INDEX work_orders_status ON work_orders (status, id);
CREATE INDEX work_orders_region ON work_orders (region_path, id);
CREATE INDEX work_orders_lead ON work_orders (lead_path, id);
-- Unit inboxes: few rows of one status under one unit, found without scanning the table.
CREATE INDEX work_orders_lead_status ON work_orders (lead_path, status);
CREATE INDEX work_orders_creator ON work_orders (created_by, id);
CREATE INDEX work_orders_due ON work_orders (handling_due);

CREATE TABLE work_order_co_units (
    order_id   BLOB NOT NULL REFERENCES work_orders (id),
    unit_id    BLOB NOT NULL REFERENCES org_units (id),
    unit_path  TEXT NOT NULL,
    accepted   BOOLEAN NOT NULL,
    replied    BOOLEAN NOT NULL,
    PRIMARY KEY (order_id, unit_id)
);
CREATE INDEX work_order_co_units_path ON work_order_co_units (unit_path);

CREATE TABLE work_order_history (
    order_id     BLOB NOT NULL REFERENCES work_orders (id),
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    actor_id     BLOB NOT NULL,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    payload      TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)
);

CREATE TABLE idempotency_keys (
    user_id     BLOB NOT NULL,
    key         TEXT NOT NULL,
    order_id    BLOB NOT NULL REFERENCES work_orders (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- One row per order-number prefix (`JC` + local day): the day's running count.
CREATE TABLE order_counters (
    day    TEXT PRIMARY KEY NOT NULL,
    value  INTEGER NOT NULL
);
