-- Time limits (时限). One row per order, clock and generation, copied from the clock in the
-- order's document by the same transaction that changes the order; the sweeper finds due
-- steps through the index on `next_due`, lists and figures read deadlines and outcomes here.
CREATE TABLE sla_clocks (
    order_id     BLOB NOT NULL REFERENCES work_orders (id),
    clock        TEXT NOT NULL,
    generation   INTEGER NOT NULL,
    unit_id      BLOB NOT NULL,
    unit_name    TEXT NOT NULL,
    unit_path    TEXT NOT NULL,
    time_limit   TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    deadline     INTEGER NOT NULL,
    paused_at    INTEGER,
    stopped_at   INTEGER,
    worked_secs  INTEGER,
    on_time      BOOLEAN,
    next_step    TEXT,
    next_due     INTEGER,
    PRIMARY KEY (order_id, clock, generation)
);
CREATE INDEX sla_clocks_next_due ON sla_clocks (next_due);
CREATE INDEX sla_clocks_deadline ON sla_clocks (deadline);
CREATE INDEX sla_clocks_stopped ON sla_clocks (clock, stopped_at);
CREATE INDEX sla_clocks_unit ON sla_clocks (clock, unit_path, stopped_at);

-- Escalation records (催办单, 督办单, 通报). The unique key makes each step of each clock
-- generation of an order happen once, whatever number of sweepers race for it.
CREATE TABLE sla_escalations (
    id              BLOB PRIMARY KEY NOT NULL,
    number          TEXT NOT NULL UNIQUE,
    order_id        BLOB NOT NULL REFERENCES work_orders (id),
    order_number    TEXT NOT NULL,
    clock           TEXT NOT NULL,
    generation      INTEGER NOT NULL,
    step            TEXT NOT NULL,
    addressee_id    BLOB NOT NULL,
    addressee_name  TEXT NOT NULL,
    addressee_path  TEXT NOT NULL,
    subject_id      BLOB NOT NULL,
    subject_name    TEXT NOT NULL,
    subject_path    TEXT NOT NULL,
    text            TEXT NOT NULL,
    issued_at       INTEGER NOT NULL,
    deadline        INTEGER NOT NULL,
    UNIQUE (order_id, clock, generation, step)
);
CREATE INDEX sla_escalations_addressee ON sla_escalations (addressee_path, issued_at);
CREATE INDEX sla_escalations_subject ON sla_escalations (subject_path, issued_at);
CREATE INDEX sla_escalations_issued ON sla_escalations (issued_at, id);
