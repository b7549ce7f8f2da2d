-- The classifier learns from its users. A dispatcher's correction of an order's category is
-- kept per order (the latest wins); the order's text is read from the order, nothing about
-- the caller is copied here.
CREATE TABLE category_corrections (
    order_id      BLOB PRIMARY KEY NOT NULL REFERENCES work_orders (id),
    predicted     TEXT,
    model         TEXT,
    corrected     TEXT NOT NULL,
    corrected_by  BLOB NOT NULL REFERENCES users (id),
    corrected_at  INTEGER NOT NULL
);

-- Retrained models with their files and figures. At most one is active; none active means
-- the model built into the binary. `previous` names the model active before the last
-- activation ('default' or an id), for rollback.
CREATE TABLE models (
    id            BLOB PRIMARY KEY NOT NULL,
    created_at    INTEGER NOT NULL,
    created_by    BLOB REFERENCES users (id),
    summary       TEXT NOT NULL,
    macro_f1      REAL NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    data          BLOB NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT FALSE,
    activated_at  INTEGER,
    previous      TEXT
);
CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active;
