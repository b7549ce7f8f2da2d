-- Duplicate detection (重复件识别): each order's text sketch with where and when it was
-- registered, so that a new demand is compared only with orders of its county near it in
-- space and time. Rows are written after the order (a missing one is computed again) and
-- never change with the order's status: readers join `work_orders` for that.
CREATE TABLE order_sketches (
    order_id     UUID PRIMARY KEY REFERENCES work_orders (id),
    -- The county tree: the root of `region_path`.
    tree         TEXT COLLATE "C" NOT NULL,
    region_path  TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT NOT NULL,
    latitude     DOUBLE PRECISION,
    longitude    DOUBLE PRECISION,
    -- The address reduced to letters and digits.
    address_key  TEXT,
    -- The sketching method and its parameters; other methods' rows are computed again.
    method       TEXT NOT NULL,
    -- Sorted 64-bit hashes, little-endian.
    sketch       BYTEA NOT NULL
);
-- A box of latitude and longitude around a point, within the window.
CREATE INDEX order_sketches_point ON order_sketches (tree, latitude, longitude, created_at)
    WHERE latitude IS NOT NULL;
-- Orders whose region is one given unit, within the window.
CREATE INDEX order_sketches_region ON order_sketches (region_path, created_at);
CREATE INDEX order_sketches_address ON order_sketches (tree, address_key, created_at)
    WHERE address_key IS NOT NULL;

-- One row for each unit on the path of an order's region: the orders whose place lies
-- within a unit are one range of the key, whatever the depth of the tree below it.
CREATE TABLE order_sketch_places (
    place_path  TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    order_id    UUID NOT NULL REFERENCES order_sketches (order_id),
    located     BOOLEAN NOT NULL,
    PRIMARY KEY (place_path, created_at, order_id)
);

-- Filling in missing sketches reads the orders registered within the window.
CREATE INDEX work_orders_created_at ON work_orders (created_at);
