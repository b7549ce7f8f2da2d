-- Duplicate candidates of a located order among the orders without coordinates: the orders
-- placed within a unit, or exactly at one, that have no point. Without these indexes the
-- candidate queries read every order of the unit in the window and skip the located ones.
-- Archived and merged orders have no sketch rows: they are deleted in the transition's
-- transaction, so the candidate queries do not read `work_orders` at all.
CREATE INDEX order_sketch_places_unlocated ON order_sketch_places (place_path, created_at)
    WHERE located = FALSE;
CREATE INDEX order_sketches_region_unlocated ON order_sketches (region_path, created_at)
    WHERE latitude IS NULL;
CREATE INDEX order_sketches_address_unlocated ON order_sketches (tree, address_key, created_at)
    WHERE address_key IS NOT NULL AND latitude IS NULL;
