-- Lists sort by the deadline an order works to now: the earliest deadline of its clocks that
-- have not stopped (running or paused), NULL when none is open. Written with the order by the
-- same statement as its document; filled here from the clock rows of existing orders.
ALTER TABLE work_orders ADD COLUMN due_at BIGINT;
UPDATE work_orders SET due_at = (
    SELECT MIN(c.deadline) FROM sla_clocks c
    WHERE c.order_id = work_orders.id AND c.stopped_at IS NULL
);
-- Keyset pages by (due_at, id) in both directions; orders without an open clock are one
-- range of it (due_at IS NULL), paged by id.
CREATE INDEX work_orders_due_at ON work_orders (due_at, id);
