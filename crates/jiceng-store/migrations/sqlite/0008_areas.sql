-- Outlines of units (grids, communities, towns) for location routing, and the aliases (road
-- names, former names) the address matcher knows them by. Geometry is GeoJSON in WGS-84; the
-- bounding box lets a reader skip the JSON.
CREATE TABLE unit_areas (
    unit_id     BLOB PRIMARY KEY NOT NULL REFERENCES org_units (id),
    geometry    TEXT NOT NULL,
    min_lon     REAL NOT NULL,
    min_lat     REAL NOT NULL,
    max_lon     REAL NOT NULL,
    max_lat     REAL NOT NULL,
    source      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE unit_aliases (
    unit_id  BLOB NOT NULL REFERENCES org_units (id),
    alias    TEXT NOT NULL,
    PRIMARY KEY (unit_id, alias)
);
