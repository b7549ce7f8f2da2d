//! Duplicate detection (重复件识别): at intake, the open orders about the same matter.
//!
//! Each order keeps a sketch of its text ([`TextSketcher`], the MinHash of `jiceng-nlp`)
//! with where and when it was registered ([`OrderSketch`]). A new demand is compared only
//! with open orders of its county registered within the window around it, and only with
//! those near it: within the radius when both have coordinates, otherwise at the same
//! address or in places that do not exclude each other (one region contains the other).
//! Those at or above the similarity threshold are proposed, best first, each with the
//! reason in words an operator can check ([`rule`]). Merging stays the operator's decision
//! (the `merge` transition).

pub mod rule;

use crate::work_order::WorkOrder;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::org::UnitPath;
use serde::{Deserialize, Serialize};

pub use rule::{Match, Nearness, compare, haversine_m, rank};

/// Computes text sketches and estimates the similarity of two texts from them.
pub trait TextSketcher: Send + Sync {
    /// Names the method and its parameters; it is stored with each sketch, and sketches made
    /// by another method are computed again.
    fn method(&self) -> &str;
    /// The sketch of a text, sorted. Any text, empty or huge, gives a sketch.
    fn sketch(&self, text: &str) -> Vec<u64>;
    /// Estimated similarity of the two texts, 0–1; 0 when either sketch is empty.
    fn similarity(&self, a: &[u64], b: &[u64]) -> f32;
}

/// `[duplicates]`: how near, how recent and how similar a candidate must be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DuplicateSettings {
    /// Largest distance, in metres, between two demands that both have coordinates.
    pub radius_m: f64,
    /// Candidates were registered at most this many days before (or after) the order.
    pub window_days: u32,
    /// Smallest text similarity (estimated Jaccard of character 3-grams) proposed.
    pub threshold: f32,
    /// Most candidates shown.
    pub max_candidates: usize,
}

impl Default for DuplicateSettings {
    fn default() -> Self {
        Self {
            radius_m: 500.0,
            window_days: 30,
            threshold: 0.4,
            max_candidates: 10,
        }
    }
}

impl DuplicateSettings {
    /// Checks the ranges; a configuration outside them is refused at start.
    pub fn check(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::new(codes::DUPLICATES_INVALID_SETTINGS, m.to_owned()));
        if !self.radius_m.is_finite() || !(1.0..=100_000.0).contains(&self.radius_m) {
            return bad("duplicates.radius_m 须在 1–100000（米）之间");
        }
        if !(1..=3650).contains(&self.window_days) {
            return bad("duplicates.window_days 须在 1–3650（天）之间");
        }
        if !self.threshold.is_finite() || self.threshold <= 0.0 || self.threshold > 1.0 {
            return bad("duplicates.threshold 须大于 0 且不大于 1");
        }
        if !(1..=100).contains(&self.max_candidates) {
            return bad("duplicates.max_candidates 须在 1–100 之间");
        }
        Ok(())
    }

    pub fn window(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.window_days))
    }
}

/// A point in WGS-84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// What is kept of an order to find its duplicates: its place, time and text sketch.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderSketch {
    pub order_id: OrderId,
    /// The order's region; its root is the county tree the order belongs to.
    pub region: UnitPath,
    pub created_at: DateTime<Utc>,
    pub point: Option<Point>,
    /// The address reduced to letters and digits ([`address_key`]).
    pub address_key: Option<String>,
    /// The [`TextSketcher::method`] that made `sketch`.
    pub method: String,
    pub sketch: Vec<u64>,
}

impl OrderSketch {
    /// The sketch of an order's text (its content; the title is usually its first line).
    pub fn of(o: &WorkOrder, sketcher: &dyn TextSketcher) -> Self {
        let point = match (o.latitude, o.longitude) {
            (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() => {
                Some(Point { lat, lon })
            }
            _ => None,
        };
        Self {
            order_id: o.id,
            region: o.region.unit_path.clone(),
            created_at: o.created_at,
            point,
            address_key: o.address.as_deref().and_then(address_key),
            method: sketcher.method().to_owned(),
            sketch: sketcher.sketch(&o.content),
        }
    }

    /// The path of the county tree (the root of the region path).
    pub fn tree(&self) -> Option<UnitPath> {
        self.region.ancestors().first().map(|r| UnitPath::root(*r))
    }
}

/// An address as compared: letters and digits only, lower case, full-width folded. Too
/// short to name a place (under 4 characters) is `None`.
pub fn address_key(address: &str) -> Option<String> {
    let key: String = address
        .chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .take(200)
        .collect();
    (key.chars().count() >= 4).then_some(key)
}

/// Which stored sketches one query reads. Every query is bounded by tree, time window and
/// method, and reads open orders only (not archived, not merged).
#[derive(Debug, Clone, PartialEq)]
pub enum Near {
    /// Orders with coordinates inside the box (degrees, inclusive).
    Box {
        min_lat: f64,
        max_lat: f64,
        min_lon: f64,
        max_lon: f64,
    },
    /// Orders whose region lies within this unit's subtree (the unit included).
    Within(UnitPath),
    /// Orders whose region is exactly one of these units.
    AtAny(Vec<UnitPath>),
    /// Orders with this address key.
    Address(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SketchQuery {
    pub tree: UnitPath,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub method: String,
    /// The order being checked, left out of the answer.
    pub exclude: OrderId,
    pub near: Near,
    /// Only orders without coordinates (those with them are found by the box).
    pub unlocated_only: bool,
    /// Newest first, at most this many.
    pub limit: u32,
}

/// Storage of the sketches.
#[async_trait]
pub trait DuplicateStore: Send + Sync {
    /// Stores sketches, replacing an order's earlier one.
    async fn put_sketches(&self, sketches: &[OrderSketch]) -> Result<()>;
    async fn get_sketch(
        &self,
        county: jiceng_kernel::ids::CountyId,
        order: OrderId,
    ) -> Result<Option<OrderSketch>>;
    /// Sketches of open orders matching any of the queries (each newest first, up to its
    /// limit; an order may come more than once).
    async fn open_sketches(&self, queries: &[SketchQuery]) -> Result<Vec<OrderSketch>>;
    /// Open orders registered since `since` with no sketch of `method`, newest first.
    async fn orders_without_sketch(
        &self,
        county: jiceng_kernel::ids::CountyId,
        method: &str,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<WorkOrder>>;
}

/// The queries that find every stored order the rule could accept for `probe`: by box when
/// it has coordinates, and by place and address for orders without them (all orders when
/// the probe has none).
pub fn queries(probe: &OrderSketch, s: &DuplicateSettings, limit: u32) -> Vec<SketchQuery> {
    let Some(tree) = probe.tree() else {
        return Vec::new();
    };
    let window = s.window();
    let base = |near: Near, unlocated_only: bool| SketchQuery {
        tree: tree.clone(),
        from: probe.created_at - window,
        to: probe.created_at + window,
        method: probe.method.clone(),
        exclude: probe.order_id,
        near,
        unlocated_only,
        limit,
    };
    let mut out = Vec::new();
    let located = probe.point.is_some();
    if let Some(p) = probe.point {
        out.push(base(rule::bounding_box(p, s.radius_m), false));
    }
    out.push(base(Near::Within(probe.region.clone()), located));
    let ancestors: Vec<UnitPath> = ancestor_paths(&probe.region);
    if !ancestors.is_empty() {
        out.push(base(Near::AtAny(ancestors), located));
    }
    if let Some(a) = &probe.address_key {
        out.push(base(Near::Address(a.clone()), located));
    }
    out
}

/// The paths of the units above this one (the root included, the unit itself not).
pub fn ancestor_paths(path: &UnitPath) -> Vec<UnitPath> {
    let ids = path.ancestors();
    let mut out = Vec::new();
    let mut cur: Option<UnitPath> = None;
    for id in ids.iter().take(ids.len().saturating_sub(1)) {
        let next = match &cur {
            None => UnitPath::root(*id),
            Some(p) => p.child(*id),
        };
        out.push(next.clone());
        cur = Some(next);
    }
    out
}
