//! The bridge to the domain: an [`AreaIndex`] keyed by org unit, serving as the
//! [`PointIndex`] of a [`Locator`], built from what storage holds.

use crate::crs::Crs;
use crate::index::{Area, AreaIndex};
use crate::read::{read_geometry, to_geojson};
use chrono::{DateTime, Utc};
use geo::{BoundingRect, MultiPolygon};
use jiceng_accounts::ports::{OrgStore, UnitQuery};
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::OrgUnit;
use jiceng_orders::locator::{Locator, PointIndex, UnitArea};
use jiceng_orders::ports::OrdersStore;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug)]
pub struct UnitIndex(pub AreaIndex<UnitId>);

impl PointIndex for UnitIndex {
    fn units_at(&self, lon: f64, lat: f64) -> Vec<UnitId> {
        self.0
            .locate_all(lon, lat)
            .iter()
            .map(|h| h.area.key)
            .collect()
    }
}

/// The stored form of a unit's outline.
pub fn unit_area(
    unit: UnitId,
    shape: &MultiPolygon<f64>,
    source: &str,
    at: DateTime<Utc>,
) -> UnitArea {
    let bbox = shape
        .bounding_rect()
        .map_or([0.0; 4], |r| [r.min().x, r.min().y, r.max().x, r.max().y]);
    UnitArea {
        unit,
        geometry: to_geojson(shape),
        bbox,
        source: source.to_owned(),
        updated_at: at,
    }
}

/// Indexes the areas of known units, deeper units being finer. Areas of unknown units or
/// with unreadable outlines are left out and described in the returned warnings.
pub fn unit_index(units: &[OrgUnit], areas: &[UnitArea]) -> (UnitIndex, Vec<String>) {
    let by_id: HashMap<UnitId, &OrgUnit> = units.iter().map(|u| (u.id, u)).collect();
    let mut warnings = Vec::new();
    let mut indexed = Vec::with_capacity(areas.len());
    for a in areas {
        let Some(u) = by_id.get(&a.unit) else {
            warnings.push(format!("边界 {} 对应的单位不存在，已忽略", a.unit.0));
            continue;
        };
        index_outline(&mut indexed, &mut warnings, u, &a.geometry);
    }
    // Units drawn with an outline of their own (the demo's grids, units created through the
    // API with a geometry) count where no imported area replaces it.
    let with_area: std::collections::HashSet<UnitId> = areas.iter().map(|a| a.unit).collect();
    for u in units {
        let Some(g) = u.geometry.as_ref().filter(|_| !with_area.contains(&u.id)) else {
            continue;
        };
        index_outline(&mut indexed, &mut warnings, u, g);
    }
    (UnitIndex(AreaIndex::build(indexed)), warnings)
}

fn index_outline(
    indexed: &mut Vec<Area<UnitId>>,
    warnings: &mut Vec<String>,
    u: &OrgUnit,
    geometry: &serde_json::Value,
) {
    match read_geometry(geometry, Crs::Wgs84) {
        Ok((shape, _)) => indexed.push(Area {
            key: u.id,
            depth: u8::try_from(u.path.depth()).unwrap_or(u8::MAX),
            shape,
        }),
        Err((code, m)) => warnings.push(format!("{} 的边界无法使用：{m} ({code})", u.name)),
    }
}

pub fn build_locator(
    units: &[OrgUnit],
    areas: &[UnitArea],
    aliases: &[(UnitId, String)],
) -> (Locator, Vec<String>) {
    let (index, warnings) = unit_index(units, areas);
    (Locator::new(units, aliases, Arc::new(index)), warnings)
}

/// Every unit, read in keyset pages.
pub async fn all_units(store: &dyn OrgStore) -> jiceng_kernel::Result<Vec<OrgUnit>> {
    let mut out: Vec<OrgUnit> = Vec::new();
    loop {
        let q = UnitQuery {
            after_path: out.last().map(|u| u.path.as_str().to_owned()),
            limit: 1000,
            ..Default::default()
        };
        let page = store.list_units(&q).await?;
        let done = page.len() < 1000;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// The locator over what storage holds now: at start-up, and again after an import.
pub async fn load_locator(
    store: &dyn OrdersStore,
) -> jiceng_kernel::Result<(Locator, Vec<String>)> {
    let units = all_units(store).await?;
    // Every county's outlines and aliases, read one county at a time.
    let mut areas = Vec::new();
    let mut aliases = Vec::new();
    for county in store.counties().await? {
        areas.extend(store.list_areas(county.path.county()).await?);
        aliases.extend(store.list_unit_aliases(county.path.county()).await?);
    }
    Ok(build_locator(&units, &areas, &aliases))
}
