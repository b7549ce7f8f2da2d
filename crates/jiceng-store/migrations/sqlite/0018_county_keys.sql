-- The county is the tenant key (分县存储). Every row of a county's data carries `county_id`, the
-- id of the unit at the root of its org tree, first in its primary key, its unique keys, its
-- foreign keys to other county tables and its indexes, and every statement on these tables names
-- the county. A province on one database, or spread over nodes by county (Citus, YugabyteDB), then
-- keeps each county's rows together and never checks a key across counties: order and record
-- numbers are unique per county, and the counters behind them are per county.
--
-- Global tables keep their keys: org_units, users, user_roles, sessions, api_tokens,
-- login_attempts, models, attempt_throttles, job_leases (and the audit tables, keyed by their
-- chain in the next migration).
--
-- SQLite cannot change a key in place: every county table is rebuilt (new table, rows copied
-- with their county, old table dropped children first, new table renamed). A row's county is
-- the root of its region or unit path; the root's path is the first 38 characters of any path
-- below it ('/' + 36-character id + '/').

CREATE TABLE work_orders_new (
    county_id          BLOB NOT NULL,
    id                 BLOB NOT NULL,
    number             TEXT NOT NULL,
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
    doc                TEXT NOT NULL,
    due_at             INTEGER,
    tracking_hash      TEXT,
    PRIMARY KEY (county_id, id),
    CONSTRAINT work_orders_number_unique UNIQUE (county_id, number)
);
INSERT INTO work_orders_new
SELECT (SELECT u.id FROM org_units u WHERE u.path = substr(w.region_path, 1, 38)), w.id, w.number,
    w.status, w.channel, w.category, w.urgency, w.title, w.content, w.caller_phone,
    w.region_unit_id, w.region_path, w.lead_unit_id, w.lead_path, w.handling_due,
    w.pending_extension, w.created_by, w.created_at, w.updated_at, w.version, w.doc, w.due_at,
    w.tracking_hash
FROM work_orders w;

CREATE TABLE work_order_co_units_new (
    county_id  BLOB NOT NULL,
    order_id   BLOB NOT NULL,
    unit_id    BLOB NOT NULL REFERENCES org_units (id),
    unit_path  TEXT NOT NULL,
    accepted   BOOLEAN NOT NULL,
    replied    BOOLEAN NOT NULL,
    PRIMARY KEY (county_id, order_id, unit_id),
    FOREIGN KEY (county_id, order_id) REFERENCES work_orders_new (county_id, id)
);
INSERT INTO work_order_co_units_new
SELECT w.county_id, c.order_id, c.unit_id, c.unit_path, c.accepted, c.replied
FROM work_order_co_units c JOIN work_orders_new w ON w.id = c.order_id;

CREATE TABLE work_order_history_new (
    county_id    BLOB NOT NULL,
    order_id     BLOB NOT NULL,
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    actor_id     BLOB NOT NULL,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    payload      TEXT NOT NULL,
    PRIMARY KEY (county_id, order_id, seq),
    FOREIGN KEY (county_id, order_id) REFERENCES work_orders_new (county_id, id)
);
INSERT INTO work_order_history_new
SELECT w.county_id, h.order_id, h.seq, h.at, h.actor_id, h.actor_name, h.action, h.from_status,
    h.to_status, h.payload
FROM work_order_history h JOIN work_orders_new w ON w.id = h.order_id;

CREATE TABLE idempotency_keys_new (
    county_id     BLOB NOT NULL,
    user_id       BLOB NOT NULL,
    key           TEXT NOT NULL,
    order_id      BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    request_hash  TEXT,
    PRIMARY KEY (county_id, user_id, key),
    FOREIGN KEY (county_id, order_id) REFERENCES work_orders_new (county_id, id)
);
INSERT INTO idempotency_keys_new
SELECT w.county_id, k.user_id, k.key, k.order_id, k.created_at, k.request_hash
FROM idempotency_keys k JOIN work_orders_new w ON w.id = k.order_id;

-- Running counts per county and number prefix (`JC511602` + local day, `CB511602` + local day).
-- Numbers before this version had no county code, so their counters are not carried over.
CREATE TABLE order_counters_new (
    county_id  BLOB NOT NULL,
    prefix     TEXT NOT NULL,
    value      INTEGER NOT NULL,
    PRIMARY KEY (county_id, prefix)
);

CREATE TABLE attachments_new (
    county_id     BLOB NOT NULL,
    id            BLOB NOT NULL,
    order_id      BLOB NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    data          BLOB NOT NULL,
    uploaded_by   BLOB NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (county_id, id),
    FOREIGN KEY (county_id, order_id) REFERENCES work_orders_new (county_id, id)
);
INSERT INTO attachments_new
SELECT w.county_id, a.id, a.order_id, a.filename, a.content_type, a.size, a.sha256, a.data,
    a.uploaded_by, a.created_at
FROM attachments a JOIN work_orders_new w ON w.id = a.order_id;

CREATE TABLE outbox_new (
    county_id   BLOB NOT NULL,
    id          BLOB NOT NULL,
    order_id    BLOB NOT NULL,
    kind        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    text        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (county_id, id),
    FOREIGN KEY (county_id, order_id) REFERENCES work_orders_new (county_id, id)
);
INSERT INTO outbox_new
SELECT w.county_id, o.id, o.order_id, o.kind, o.phone, o.text, o.status, o.attempts, o.created_at
FROM outbox o JOIN work_orders_new w ON w.id = o.order_id;

CREATE TABLE category_corrections_new (
    county_id     BLOB NOT NULL,
    order_id      BLOB NOT NULL,
    predicted     TEXT,
    model         TEXT,
    corrected     TEXT NOT NULL,
    corrected_by  BLOB NOT NULL REFERENCES users (id),
    corrected_at  INTEGER NOT NULL,
    PRIMARY KEY (county_id, order_id),
    FOREIGN KEY (county_id, order_id) REFERENCES work_orders_new (county_id, id)
);
INSERT INTO category_corrections_new
SELECT w.county_id, c.order_id, c.predicted, c.model, c.corrected, c.corrected_by, c.corrected_at
FROM category_corrections c JOIN work_orders_new w ON w.id = c.order_id;

CREATE TABLE order_redactions_new (
    county_id  BLOB NOT NULL,
    order_id   BLOB NOT NULL,
    version    INTEGER NOT NULL,
    erased_at  INTEGER NOT NULL,
    actor_id   BLOB NOT NULL,
    fields     TEXT NOT NULL,
    PRIMARY KEY (county_id, order_id, version),
    FOREIGN KEY (county_id, order_id) REFERENCES work_orders_new (county_id, id)
);
INSERT INTO order_redactions_new
SELECT w.county_id, r.order_id, r.version, r.erased_at, r.actor_id, r.fields
FROM order_redactions r JOIN work_orders_new w ON w.id = r.order_id;

-- The sketch's county replaces `tree` (the county's path).
CREATE TABLE order_sketches_new (
    county_id    BLOB NOT NULL,
    order_id     BLOB NOT NULL,
    region_path  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    latitude     REAL,
    longitude    REAL,
    -- The address reduced to letters and digits.
    address_key  TEXT,
    -- The sketching method and its parameters; other methods' rows are computed again.
    method       TEXT NOT NULL,
    -- Sorted 64-bit hashes, little-endian.
    sketch       BLOB NOT NULL,
    PRIMARY KEY (county_id, order_id),
    FOREIGN KEY (county_id, order_id) REFERENCES work_orders_new (county_id, id)
);
INSERT INTO order_sketches_new
SELECT w.county_id, s.order_id, s.region_path, s.created_at, s.latitude, s.longitude,
    s.address_key, s.method, s.sketch
FROM order_sketches s JOIN work_orders_new w ON w.id = s.order_id;

CREATE TABLE order_sketch_places_new (
    county_id   BLOB NOT NULL,
    place_path  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    order_id    BLOB NOT NULL,
    located     BOOLEAN NOT NULL,
    PRIMARY KEY (county_id, place_path, created_at, order_id),
    FOREIGN KEY (county_id, order_id) REFERENCES order_sketches_new (county_id, order_id)
);
INSERT INTO order_sketch_places_new
SELECT s.county_id, p.place_path, p.created_at, p.order_id, p.located
FROM order_sketch_places p JOIN order_sketches_new s ON s.order_id = p.order_id;

CREATE TABLE sla_clocks_new (
    county_id    BLOB NOT NULL,
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
    CONSTRAINT sla_clocks_subject_key
        PRIMARY KEY (county_id, subject_kind, subject_id, clock, generation)
);
INSERT INTO sla_clocks_new
SELECT (SELECT u.id FROM org_units u WHERE u.path = substr(c.unit_path, 1, 38)), c.subject_kind,
    c.subject_id, c.clock, c.generation, c.unit_id, c.unit_name, c.unit_path, c.time_limit,
    c.started_at, c.deadline, c.paused_at, c.stopped_at, c.worked_secs, c.on_time, c.next_step,
    c.next_due, c.state
FROM sla_clocks c;

CREATE TABLE sla_escalations_new (
    county_id       BLOB NOT NULL,
    id              BLOB NOT NULL,
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
    PRIMARY KEY (county_id, id),
    CONSTRAINT sla_escalations_number_unique UNIQUE (county_id, number),
    CONSTRAINT sla_escalations_step_once
        UNIQUE (county_id, subject_kind, subject_id, clock, generation, step)
);
INSERT INTO sla_escalations_new
SELECT (SELECT u.id FROM org_units u WHERE u.path = substr(e.unit_path, 1, 38)), e.id, e.number,
    e.subject_kind, e.subject_id, e.subject_number, e.clock, e.generation, e.step, e.addressee_id,
    e.addressee_name, e.addressee_path, e.unit_id, e.unit_name, e.unit_path, e.text, e.issued_at,
    e.deadline
FROM sla_escalations e;

CREATE TABLE duty_lists_new (
    county_id       BLOB NOT NULL,
    id              BLOB NOT NULL,
    unit_id         BLOB NOT NULL REFERENCES org_units (id),
    version         INTEGER NOT NULL,
    status          TEXT NOT NULL,
    effective_date  TEXT,
    created_by      BLOB REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    published_at    INTEGER,
    PRIMARY KEY (county_id, id),
    CONSTRAINT duty_lists_version_unique UNIQUE (county_id, unit_id, version)
);
INSERT INTO duty_lists_new
SELECT (SELECT r.id FROM org_units u JOIN org_units r ON r.path = substr(u.path, 1, 38)
        WHERE u.id = l.unit_id),
    l.id, l.unit_id, l.version, l.status, l.effective_date, l.created_by, l.created_at,
    l.published_at
FROM duty_lists l;

CREATE TABLE duties_new (
    county_id       BLOB NOT NULL,
    id              BLOB NOT NULL,
    list_id         BLOB NOT NULL,
    position        INTEGER NOT NULL,
    matter          TEXT NOT NULL,
    category        TEXT NOT NULL,
    keywords        TEXT NOT NULL,
    lead            TEXT NOT NULL,
    assisting       TEXT NOT NULL,
    legal_basis     TEXT,
    sign_for        TEXT NOT NULL,
    handling        TEXT NOT NULL,
    callback        TEXT,
    village_assist  BOOLEAN NOT NULL,
    PRIMARY KEY (county_id, id),
    CONSTRAINT duties_position_unique UNIQUE (county_id, list_id, position),
    FOREIGN KEY (county_id, list_id) REFERENCES duty_lists_new (county_id, id)
);
INSERT INTO duties_new
SELECT l.county_id, d.id, d.list_id, d.position, d.matter, d.category, d.keywords, d.lead,
    d.assisting, d.legal_basis, d.sign_for, d.handling, d.callback, d.village_assist
FROM duties d JOIN duty_lists_new l ON l.id = d.list_id;

CREATE TABLE unit_areas_new (
    county_id   BLOB NOT NULL,
    unit_id     BLOB NOT NULL REFERENCES org_units (id),
    geometry    TEXT NOT NULL,
    min_lon     REAL NOT NULL,
    min_lat     REAL NOT NULL,
    max_lon     REAL NOT NULL,
    max_lat     REAL NOT NULL,
    source      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (county_id, unit_id)
);
INSERT INTO unit_areas_new
SELECT (SELECT r.id FROM org_units u JOIN org_units r ON r.path = substr(u.path, 1, 38)
        WHERE u.id = a.unit_id),
    a.unit_id, a.geometry, a.min_lon, a.min_lat, a.max_lon, a.max_lat, a.source, a.updated_at
FROM unit_areas a;

CREATE TABLE unit_aliases_new (
    county_id  BLOB NOT NULL,
    unit_id    BLOB NOT NULL REFERENCES org_units (id),
    alias      TEXT NOT NULL,
    PRIMARY KEY (county_id, unit_id, alias)
);
INSERT INTO unit_aliases_new
SELECT (SELECT r.id FROM org_units u JOIN org_units r ON r.path = substr(u.path, 1, 38)
        WHERE u.id = a.unit_id),
    a.unit_id, a.alias
FROM unit_aliases a;

-- Children before parents, so that no dropped row is still referenced.
DROP TABLE order_sketch_places;
DROP TABLE order_sketches;
DROP TABLE order_redactions;
DROP TABLE category_corrections;
DROP TABLE outbox;
DROP TABLE attachments;
DROP TABLE idempotency_keys;
DROP TABLE work_order_history;
DROP TABLE work_order_co_units;
DROP TABLE work_orders;
DROP TABLE order_counters;
DROP TABLE sla_clocks;
DROP TABLE sla_escalations;
DROP TABLE duties;
DROP TABLE duty_lists;
DROP TABLE unit_areas;
DROP TABLE unit_aliases;

-- Renaming a table rewrites the references to it in the other tables.
ALTER TABLE work_orders_new RENAME TO work_orders;
ALTER TABLE work_order_co_units_new RENAME TO work_order_co_units;
ALTER TABLE work_order_history_new RENAME TO work_order_history;
ALTER TABLE idempotency_keys_new RENAME TO idempotency_keys;
ALTER TABLE order_counters_new RENAME TO order_counters;
ALTER TABLE attachments_new RENAME TO attachments;
ALTER TABLE outbox_new RENAME TO outbox;
ALTER TABLE category_corrections_new RENAME TO category_corrections;
ALTER TABLE order_redactions_new RENAME TO order_redactions;
ALTER TABLE order_sketches_new RENAME TO order_sketches;
ALTER TABLE order_sketch_places_new RENAME TO order_sketch_places;
ALTER TABLE sla_clocks_new RENAME TO sla_clocks;
ALTER TABLE sla_escalations_new RENAME TO sla_escalations;
ALTER TABLE duty_lists_new RENAME TO duty_lists;
ALTER TABLE duties_new RENAME TO duties;
ALTER TABLE unit_areas_new RENAME TO unit_areas;
ALTER TABLE unit_aliases_new RENAME TO unit_aliases;

-- Indexes lead with the county: a county's lists, inboxes, due clocks and duplicate candidates
-- are one range of each.
CREATE INDEX work_orders_status ON work_orders (county_id, status, id);
CREATE INDEX work_orders_region ON work_orders (county_id, region_path, id);
CREATE INDEX work_orders_lead ON work_orders (county_id, lead_path, id);
CREATE INDEX work_orders_lead_status ON work_orders (county_id, lead_path, status);
CREATE INDEX work_orders_creator ON work_orders (county_id, created_by, id);
CREATE INDEX work_orders_due ON work_orders (county_id, handling_due);
CREATE INDEX work_orders_created_at ON work_orders (county_id, created_at);
CREATE INDEX work_orders_due_at ON work_orders (county_id, due_at, id);
CREATE INDEX work_order_co_units_path ON work_order_co_units (county_id, unit_path);
CREATE INDEX attachments_order ON attachments (county_id, order_id);
CREATE INDEX outbox_pending ON outbox (county_id, status, id);
CREATE INDEX order_sketches_point ON order_sketches (county_id, latitude, longitude, created_at)
    WHERE latitude IS NOT NULL;
CREATE INDEX order_sketches_region ON order_sketches (county_id, region_path, created_at);
CREATE INDEX order_sketches_address ON order_sketches (county_id, address_key, created_at)
    WHERE address_key IS NOT NULL;
CREATE INDEX order_sketches_region_unlocated ON order_sketches (county_id, region_path, created_at)
    WHERE latitude IS NULL;
CREATE INDEX order_sketches_address_unlocated ON order_sketches (county_id, address_key, created_at)
    WHERE address_key IS NOT NULL AND latitude IS NULL;
CREATE INDEX order_sketch_places_unlocated ON order_sketch_places (county_id, place_path, created_at)
    WHERE located = FALSE;
-- The sweeper takes one county's due clocks at a time.
CREATE INDEX sla_clocks_next_due ON sla_clocks (county_id, next_due);
CREATE INDEX sla_clocks_deadline ON sla_clocks (county_id, deadline);
CREATE INDEX sla_clocks_stopped ON sla_clocks (county_id, clock, stopped_at);
CREATE INDEX sla_clocks_unit ON sla_clocks (county_id, clock, unit_path, stopped_at);
CREATE INDEX sla_escalations_addressee ON sla_escalations (county_id, addressee_path, issued_at);
CREATE INDEX sla_escalations_unit ON sla_escalations (county_id, unit_path, issued_at);
CREATE INDEX sla_escalations_issued ON sla_escalations (county_id, issued_at, id);
