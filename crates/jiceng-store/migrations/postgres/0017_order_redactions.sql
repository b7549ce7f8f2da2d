-- A citizen's contact data is erased from orders on their request (个人信息保护法). The order
-- stays, with its history and figures; its contact fields are replaced by a marker. The audit
-- log is append-only and never held the data, so it is not rewritten: each erasure of an order
-- is recorded here instead, in the transaction that changes the order: which fields (by name,
-- never their values), at which version of the order, when and by whom. Like the county's
-- other tables that readers take one county at a time (order_sketches), the key leads with
-- the county tree, the root of the order's region path.
CREATE TABLE order_redactions (
    tree       TEXT COLLATE "C" NOT NULL,
    order_id   UUID NOT NULL REFERENCES work_orders (id),
    version    BIGINT NOT NULL,
    erased_at  BIGINT NOT NULL,
    actor_id   UUID NOT NULL,
    fields     JSONB NOT NULL,
    PRIMARY KEY (tree, order_id, version)
);
-- An order's records, without knowing its county.
CREATE INDEX order_redactions_order ON order_redactions (order_id, version);
