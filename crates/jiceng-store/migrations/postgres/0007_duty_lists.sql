-- Responsibility lists (权责清单): versions per jurisdiction unit, and their duties.
-- A version is a draft until published with its effective date (a local date, 'YYYY-MM-DD',
-- which orders as text). Duties are never changed in place: a new version replaces them, so
-- an order can always show the duty it was dispatched under.
CREATE TABLE duty_lists (
    id              UUID PRIMARY KEY,
    unit_id         UUID NOT NULL REFERENCES org_units (id),
    version         BIGINT NOT NULL,
    status          TEXT NOT NULL,
    effective_date  TEXT,
    created_by      UUID REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    published_at    BIGINT,
    UNIQUE (unit_id, version)
);

-- Units are JSON (a unit of the tree by id and name, or one found from the order's location);
-- time limits are their text form ('3个工作日').
CREATE TABLE duties (
    id              UUID PRIMARY KEY,
    list_id         UUID NOT NULL REFERENCES duty_lists (id),
    position        BIGINT NOT NULL,
    matter          TEXT NOT NULL,
    category        TEXT NOT NULL,
    keywords        JSONB NOT NULL,
    lead            JSONB NOT NULL,
    assisting       JSONB NOT NULL,
    legal_basis     TEXT,
    sign_for        TEXT NOT NULL,
    handling        TEXT NOT NULL,
    callback        TEXT,
    village_assist  BOOLEAN NOT NULL,
    UNIQUE (list_id, position)
);
