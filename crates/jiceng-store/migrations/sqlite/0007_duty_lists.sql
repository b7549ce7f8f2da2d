-- Responsibility lists (权责清单): versions per jurisdiction unit, and their duties.
-- A version is a draft until published with its effective date (a local date, 'YYYY-MM-DD',
-- which orders as text). Duties are never changed in place: a new version replaces them, so
-- an order can always show the duty it was dispatched under.
CREATE TABLE duty_lists (
    id              BLOB PRIMARY KEY NOT NULL,
    unit_id         BLOB NOT NULL REFERENCES org_units (id),
    version         INTEGER NOT NULL,
    status          TEXT NOT NULL,
    effective_date  TEXT,
    created_by      BLOB REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    published_at    INTEGER,
    UNIQUE (unit_id, version)
);

-- Units are JSON (a unit of the tree by id and name, or one found from the order's location);
-- time limits are their text form ('3个工作日').
CREATE TABLE duties (
    id              BLOB PRIMARY KEY NOT NULL,
    list_id         BLOB NOT NULL REFERENCES duty_lists (id),
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
    UNIQUE (list_id, position)
);
