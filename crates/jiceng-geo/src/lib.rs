//! Geography for Jiceng: reading grid boundaries from GeoJSON, converting Chinese map
//! coordinates (GCJ-02, BD-09) to WGS-84, and locating points in areas.

pub mod crs;
pub mod error;
pub mod index;
pub mod read;
mod ring;

pub use crs::Crs;
pub use error::{FeatureError, GeoError};
pub use index::{Area, AreaIndex, Hit, Position};
pub use read::{
    Feature, MAX_BYTES, ReadOptions, property_text, read_features, read_geometry, to_geojson,
};
pub mod units;
pub use units::{UnitIndex, all_units, build_locator, load_locator, unit_area, unit_index};
