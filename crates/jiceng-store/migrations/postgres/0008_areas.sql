-- Outlines of units (grids, communities, towns) for location routing, and the aliases (road
-- names, former names) the address matcher knows them by. Geometry is GeoJSON in WGS-84; the
-- bounding box lets a reader skip the JSON.
CREATE TABLE unit_areas (
    unit_id     UUID PRIMARY KEY REFERENCES org_units (id),
    geometry    JSONB NOT NULL,
    min_lon     DOUBLE PRECISION NOT NULL,
    min_lat     DOUBLE PRECISION NOT NULL,
    max_lon     DOUBLE PRECISION NOT NULL,
    max_lat     DOUBLE PRECISION NOT NULL,
    source      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE unit_aliases (
    unit_id  UUID NOT NULL REFERENCES org_units (id),
    alias    TEXT NOT NULL,
    PRIMARY KEY (unit_id, alias)
);
