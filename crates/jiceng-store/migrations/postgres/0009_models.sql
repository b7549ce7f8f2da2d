-- The classifier learns from its users. A dispatcher's correction of an order's category is
-- kept per order (the latest wins); the order's text is read from the order, nothing about
-- the caller is copied here.
CREATE TABLE category_corrections (
    order_id      UUID PRIMARY KEY REFERENCES work_orders (id),
    predicted     TEXT,
    model         TEXT,
    corrected     TEXT NOT NULL,
    corrected_by  UUID NOT NULL REFERENCES users (id),
    corrected_at  BIGINT NOT NULL
);

-- Retrained models with their files and figures. At most one is active; none active means
-- the model built into the binary. `previous` names the model active before the last
-- activation ('default' or an id), for rollback.
CREATE TABLE models (
    id            UUID PRIMARY KEY,
    created_at    BIGINT NOT NULL,
    created_by    UUID REFERENCES users (id),
    summary       JSONB NOT NULL,
    macro_f1      DOUBLE PRECISION NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    data          BYTEA NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT FALSE,
    activated_at  BIGINT,
    previous      TEXT
);
CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active;
