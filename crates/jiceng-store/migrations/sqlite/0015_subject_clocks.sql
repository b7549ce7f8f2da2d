-- Clocks and escalation records keyed by the subject they run on (subject_kind, subject_id)
-- instead of a work order: service-desk applications, rectification tasks, acknowledgements and
-- report tasks run on the same calendar, ladder and sweeper as work orders. The unit that
-- answers for a late clock is `unit_*` on a record (it was `subject_*`, which now names what
-- the clock runs on). Existing rows move over as subjects of kind `work_order`. `state` holds
-- the whole clock for subjects whose clocks have no document of their own; NULL for work
-- orders, whose document carries their clocks. SQLite cannot drop a key column in place, so
-- both tables are rebuilt.
CREATE TABLE sla_clocks_by_subject (
    subject_kind TEXT NOT NULL,
    subject_id   BLOB NOT NULL,
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
    state        TEXT,
    CONSTRAINT sla_clocks_subject_key PRIMARY KEY (subject_kind, subject_id, clock, generation)
);
INSERT INTO sla_clocks_by_subject (subject_kind, subject_id, clock, generation, unit_id, unit_name,
    unit_path, time_limit, started_at, deadline, paused_at, stopped_at, worked_secs, on_time,
    next_step, next_due, state)
SELECT 'work_order', order_id, clock, generation, unit_id, unit_name, unit_path, time_limit,
    started_at, deadline, paused_at, stopped_at, worked_secs, on_time, next_step, next_due, NULL
FROM sla_clocks;
DROP TABLE sla_clocks;
ALTER TABLE sla_clocks_by_subject RENAME TO sla_clocks;
CREATE INDEX sla_clocks_next_due ON sla_clocks (next_due);
CREATE INDEX sla_clocks_deadline ON sla_clocks (deadline);
CREATE INDEX sla_clocks_stopped ON sla_clocks (clock, stopped_at);
CREATE INDEX sla_clocks_unit ON sla_clocks (clock, unit_path, stopped_at);

-- The unique key makes each step of each clock generation of a subject happen once, whatever
-- number of sweepers race for it.
CREATE TABLE sla_escalations_by_subject (
    id              BLOB PRIMARY KEY NOT NULL,
    number          TEXT NOT NULL,
    subject_kind    TEXT NOT NULL,
    subject_id      BLOB NOT NULL,
    subject_number  TEXT NOT NULL,
    clock           TEXT NOT NULL,
    generation      INTEGER NOT NULL,
    step            TEXT NOT NULL,
    addressee_id    BLOB NOT NULL,
    addressee_name  TEXT NOT NULL,
    addressee_path  TEXT NOT NULL,
    unit_id         BLOB NOT NULL,
    unit_name       TEXT NOT NULL,
    unit_path       TEXT NOT NULL,
    text            TEXT NOT NULL,
    issued_at       INTEGER NOT NULL,
    deadline        INTEGER NOT NULL,
    CONSTRAINT sla_escalations_number_unique UNIQUE (number),
    CONSTRAINT sla_escalations_step_once UNIQUE (subject_kind, subject_id, clock, generation, step)
);
INSERT INTO sla_escalations_by_subject (id, number, subject_kind, subject_id, subject_number, clock,
    generation, step, addressee_id, addressee_name, addressee_path, unit_id, unit_name, unit_path,
    text, issued_at, deadline)
SELECT id, number, 'work_order', order_id, order_number, clock, generation, step, addressee_id,
    addressee_name, addressee_path, subject_id, subject_name, subject_path, text, issued_at, deadline
FROM sla_escalations;
DROP TABLE sla_escalations;
ALTER TABLE sla_escalations_by_subject RENAME TO sla_escalations;
CREATE INDEX sla_escalations_addressee ON sla_escalations (addressee_path, issued_at);
CREATE INDEX sla_escalations_unit ON sla_escalations (unit_path, issued_at);
CREATE INDEX sla_escalations_issued ON sla_escalations (issued_at, id);
