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
-- A row's county is the root of its region or unit path: characters 2 to 37 of the path
-- ('/' + 36-character id + '/').

-- The columns, filled from the paths.
ALTER TABLE work_orders ADD COLUMN county_id UUID;
UPDATE work_orders SET county_id = substr(region_path, 2, 36)::uuid;
ALTER TABLE sla_clocks ADD COLUMN county_id UUID;
UPDATE sla_clocks SET county_id = substr(unit_path, 2, 36)::uuid;
ALTER TABLE sla_escalations ADD COLUMN county_id UUID;
UPDATE sla_escalations SET county_id = substr(unit_path, 2, 36)::uuid;
ALTER TABLE duty_lists ADD COLUMN county_id UUID;
UPDATE duty_lists l SET county_id = substr(u.path, 2, 36)::uuid FROM org_units u WHERE u.id = l.unit_id;
ALTER TABLE duties ADD COLUMN county_id UUID;
UPDATE duties d SET county_id = l.county_id FROM duty_lists l WHERE l.id = d.list_id;
ALTER TABLE unit_areas ADD COLUMN county_id UUID;
UPDATE unit_areas a SET county_id = substr(u.path, 2, 36)::uuid FROM org_units u WHERE u.id = a.unit_id;
ALTER TABLE unit_aliases ADD COLUMN county_id UUID;
UPDATE unit_aliases a SET county_id = substr(u.path, 2, 36)::uuid FROM org_units u WHERE u.id = a.unit_id;
ALTER TABLE work_order_co_units ADD COLUMN county_id UUID;
UPDATE work_order_co_units c SET county_id = w.county_id FROM work_orders w WHERE w.id = c.order_id;
ALTER TABLE work_order_history ADD COLUMN county_id UUID;
UPDATE work_order_history h SET county_id = w.county_id FROM work_orders w WHERE w.id = h.order_id;
ALTER TABLE idempotency_keys ADD COLUMN county_id UUID;
UPDATE idempotency_keys k SET county_id = w.county_id FROM work_orders w WHERE w.id = k.order_id;
ALTER TABLE attachments ADD COLUMN county_id UUID;
UPDATE attachments a SET county_id = w.county_id FROM work_orders w WHERE w.id = a.order_id;
ALTER TABLE outbox ADD COLUMN county_id UUID;
UPDATE outbox o SET county_id = w.county_id FROM work_orders w WHERE w.id = o.order_id;
ALTER TABLE category_corrections ADD COLUMN county_id UUID;
UPDATE category_corrections c SET county_id = w.county_id FROM work_orders w WHERE w.id = c.order_id;
ALTER TABLE order_sketches ADD COLUMN county_id UUID;
UPDATE order_sketches s SET county_id = w.county_id FROM work_orders w WHERE w.id = s.order_id;
ALTER TABLE order_sketch_places ADD COLUMN county_id UUID;
UPDATE order_sketch_places p SET county_id = s.county_id FROM order_sketches s WHERE s.order_id = p.order_id;
-- The redaction records named the county by its path.
ALTER TABLE order_redactions ADD COLUMN county_id UUID;
UPDATE order_redactions SET county_id = substr(tree, 2, 36)::uuid;

-- The old keys go, with the foreign keys and indexes that hang on them.
ALTER TABLE order_sketch_places DROP CONSTRAINT order_sketch_places_pkey CASCADE;
ALTER TABLE order_sketches DROP CONSTRAINT order_sketches_pkey CASCADE;
ALTER TABLE work_order_co_units DROP CONSTRAINT work_order_co_units_pkey;
ALTER TABLE work_order_history DROP CONSTRAINT work_order_history_pkey;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE attachments DROP CONSTRAINT attachments_pkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey;
ALTER TABLE category_corrections DROP CONSTRAINT category_corrections_pkey;
ALTER TABLE order_redactions DROP CONSTRAINT order_redactions_pkey;
ALTER TABLE work_orders DROP CONSTRAINT work_orders_pkey CASCADE;
ALTER TABLE work_orders DROP CONSTRAINT work_orders_number_key;
ALTER TABLE sla_clocks DROP CONSTRAINT sla_clocks_subject_key;
ALTER TABLE sla_escalations DROP CONSTRAINT sla_escalations_pkey;
ALTER TABLE sla_escalations DROP CONSTRAINT sla_escalations_number_unique;
ALTER TABLE sla_escalations DROP CONSTRAINT sla_escalations_step_once;
ALTER TABLE duties DROP CONSTRAINT duties_pkey;
ALTER TABLE duties DROP CONSTRAINT duties_list_id_position_key;
ALTER TABLE duty_lists DROP CONSTRAINT duty_lists_pkey CASCADE;
ALTER TABLE duty_lists DROP CONSTRAINT duty_lists_unit_id_version_key;
ALTER TABLE unit_areas DROP CONSTRAINT unit_areas_pkey;
ALTER TABLE unit_aliases DROP CONSTRAINT unit_aliases_pkey;
DROP INDEX work_orders_status;
DROP INDEX work_orders_region;
DROP INDEX work_orders_lead;
DROP INDEX work_orders_lead_status;
DROP INDEX work_orders_creator;
DROP INDEX work_orders_due;
DROP INDEX work_orders_created_at;
DROP INDEX work_orders_due_at;
DROP INDEX work_order_co_units_path;
DROP INDEX attachments_order;
DROP INDEX outbox_pending;
DROP INDEX order_sketches_point;
DROP INDEX order_sketches_region;
DROP INDEX order_sketches_address;
DROP INDEX order_sketches_region_unlocated;
DROP INDEX order_sketches_address_unlocated;
DROP INDEX order_sketch_places_unlocated;
DROP INDEX order_redactions_order;
DROP INDEX sla_clocks_next_due;
DROP INDEX sla_clocks_deadline;
DROP INDEX sla_clocks_stopped;
DROP INDEX sla_clocks_unit;
DROP INDEX sla_escalations_addressee;
DROP INDEX sla_escalations_unit;
DROP INDEX sla_escalations_issued;
ALTER TABLE order_sketches DROP COLUMN tree;
ALTER TABLE order_redactions DROP COLUMN tree;

-- Running counts per county and number prefix (`JC511602` + local day, `CB511602` + local day).
-- Numbers before this version had no county code, so their counters are not carried over.
DROP TABLE order_counters;
CREATE TABLE order_counters (
    county_id  UUID NOT NULL,
    prefix     TEXT NOT NULL,
    value      BIGINT NOT NULL,
    PRIMARY KEY (county_id, prefix)
);

-- The new keys.
ALTER TABLE work_orders ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, id),
    ADD CONSTRAINT work_orders_number_unique UNIQUE (county_id, number);
ALTER TABLE work_order_co_units ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, order_id, unit_id),
    ADD FOREIGN KEY (county_id, order_id) REFERENCES work_orders (county_id, id);
ALTER TABLE work_order_history ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, order_id, seq),
    ADD FOREIGN KEY (county_id, order_id) REFERENCES work_orders (county_id, id);
ALTER TABLE idempotency_keys ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, user_id, key),
    ADD FOREIGN KEY (county_id, order_id) REFERENCES work_orders (county_id, id);
ALTER TABLE attachments ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, id),
    ADD FOREIGN KEY (county_id, order_id) REFERENCES work_orders (county_id, id);
ALTER TABLE outbox ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, id),
    ADD FOREIGN KEY (county_id, order_id) REFERENCES work_orders (county_id, id);
ALTER TABLE category_corrections ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, order_id),
    ADD FOREIGN KEY (county_id, order_id) REFERENCES work_orders (county_id, id);
ALTER TABLE order_redactions ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, order_id, version),
    ADD FOREIGN KEY (county_id, order_id) REFERENCES work_orders (county_id, id);
ALTER TABLE order_sketches ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, order_id),
    ADD FOREIGN KEY (county_id, order_id) REFERENCES work_orders (county_id, id);
ALTER TABLE order_sketch_places ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, place_path, created_at, order_id),
    ADD FOREIGN KEY (county_id, order_id) REFERENCES order_sketches (county_id, order_id);
ALTER TABLE sla_clocks ALTER COLUMN county_id SET NOT NULL,
    ADD CONSTRAINT sla_clocks_subject_key
        PRIMARY KEY (county_id, subject_kind, subject_id, clock, generation);
ALTER TABLE sla_escalations ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, id),
    ADD CONSTRAINT sla_escalations_number_unique UNIQUE (county_id, number),
    ADD CONSTRAINT sla_escalations_step_once
        UNIQUE (county_id, subject_kind, subject_id, clock, generation, step);
ALTER TABLE duty_lists ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, id),
    ADD CONSTRAINT duty_lists_version_unique UNIQUE (county_id, unit_id, version);
ALTER TABLE duties ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, id),
    ADD CONSTRAINT duties_position_unique UNIQUE (county_id, list_id, position),
    ADD FOREIGN KEY (county_id, list_id) REFERENCES duty_lists (county_id, id);
ALTER TABLE unit_areas ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, unit_id);
ALTER TABLE unit_aliases ALTER COLUMN county_id SET NOT NULL,
    ADD PRIMARY KEY (county_id, unit_id, alias);

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
