//! Location routing: which grid, community and town a demand belongs to, from its
//! coordinates or, without them, from the place names in its address.
//!
//! Pure: the point index (R-tree and polygons) is behind [`PointIndex`], built by `jiceng-geo`
//! from the stored [`UnitArea`]s; the address matcher works on the unit tree and aliases alone.

mod gazetteer;

pub use gazetteer::{Gazetteer, TextMatch};

use chrono::{DateTime, Utc};
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::{OrgKind, OrgUnit};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// A unit's outline as stored: GeoJSON Polygon/MultiPolygon geometry in WGS-84.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitArea {
    pub unit: UnitId,
    pub geometry: serde_json::Value,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: [f64; 4],
    /// Where the outline came from (file name, survey), for a clerk checking it.
    pub source: String,
    pub updated_at: DateTime<Utc>,
}

/// Units whose areas hold a WGS-84 point, finest first.
pub trait PointIndex: Send + Sync {
    fn units_at(&self, lon: f64, lat: f64) -> Vec<UnitId>;
}

/// A unit on a located chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitRef {
    pub id: UnitId,
    pub kind: OrgKind,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The coordinates fell inside the unit's outline.
    Point,
    /// The address names the unit (or one of its aliases).
    Text,
}

/// Where a demand belongs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Located {
    /// Finest first, up to the town or street: grid → community → town.
    pub chain: Vec<UnitRef>,
    pub method: Method,
    /// Why, in words a dispatcher can check.
    pub explanation: String,
}

impl Located {
    pub fn unit(&self) -> Option<&UnitRef> {
        self.chain.first()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Located(Located),
    /// The address fits several units equally well; nobody should guess which.
    Ambiguous {
        candidates: Vec<Vec<UnitRef>>,
        explanation: String,
    },
    NotFound {
        explanation: String,
    },
}

impl Outcome {
    pub fn located(&self) -> Option<&Located> {
        match self {
            Self::Located(l) => Some(l),
            _ => None,
        }
    }
    pub fn explanation(&self) -> &str {
        match self {
            Self::Located(l) => &l.explanation,
            Self::Ambiguous { explanation, .. } | Self::NotFound { explanation } => explanation,
        }
    }
}

/// What is known about a demand's place.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<'a> {
    /// WGS-84 `(lon, lat)`; convert GCJ-02/BD-09 input first (`jiceng_geo::Crs`).
    pub point: Option<(f64, f64)>,
    pub address: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub(crate) struct UnitInfo {
    pub parent: Option<UnitId>,
    pub kind: OrgKind,
    pub name: String,
}

/// The tree of units, the point index over their outlines and the address matcher.
/// Built at start-up from storage and rebuilt after an import.
pub struct Locator {
    units: Arc<HashMap<UnitId, UnitInfo>>,
    points: Arc<dyn PointIndex>,
    text: Gazetteer,
}

impl std::fmt::Debug for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locator")
            .field("units", &self.units.len())
            .finish_non_exhaustive()
    }
}

impl Locator {
    pub fn new(
        units: &[OrgUnit],
        aliases: &[(UnitId, String)],
        points: Arc<dyn PointIndex>,
    ) -> Self {
        let units: Arc<HashMap<UnitId, UnitInfo>> = Arc::new(
            units
                .iter()
                .map(|u| {
                    let info = UnitInfo {
                        parent: u.parent_id,
                        kind: u.kind,
                        name: u.name.clone(),
                    };
                    (u.id, info)
                })
                .collect(),
        );
        let text = Gazetteer::new(Arc::clone(&units), aliases);
        Self {
            units,
            points,
            text,
        }
    }

    /// The chain from a unit up to its town or street, finest first.
    pub fn chain(&self, unit: UnitId) -> Vec<UnitRef> {
        chain(&self.units, unit)
    }

    /// Locates by the point when it falls in a known area, else by the address text.
    pub fn locate(&self, q: &Query<'_>) -> Outcome {
        let mut preface = String::new();
        if let Some((lon, lat)) = q.point {
            let valid =
                lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0;
            let inside = if valid {
                self.points.units_at(lon, lat)
            } else {
                Vec::new()
            };
            let hit = inside.into_iter().find(|u| self.units.contains_key(u));
            match hit {
                Some(unit) => {
                    let chain = self.chain(unit);
                    let kind = chain.first().map_or("", |u| kind_area(u.kind));
                    let explanation =
                        format!("坐标 ({lon:.6}, {lat:.6}) 落在 {} {kind}内", names(&chain));
                    return Outcome::Located(Located {
                        chain,
                        method: Method::Point,
                        explanation,
                    });
                }
                None if valid => {
                    preface =
                        format!("坐标 ({lon:.6}, {lat:.6}) 不在任何已导入的网格或社区范围内；")
                }
                None => preface = "坐标无效（超出经纬度范围）；".to_owned(),
            }
        }
        let Some(address) = q.address.filter(|a| !a.trim().is_empty()) else {
            return Outcome::NotFound {
                explanation: format!("{preface}没有可用的地址文字"),
            };
        };
        match self.text.find(address) {
            TextMatch::One { unit, matched } => {
                let chain = self.chain(unit);
                Outcome::Located(Located {
                    explanation: format!(
                        "{preface}地址文字匹配 {}，定位到 {}",
                        matched.join("、"),
                        names(&chain)
                    ),
                    chain,
                    method: Method::Text,
                })
            }
            TextMatch::Several { units, matched } => {
                let candidates: Vec<Vec<UnitRef>> = units.iter().map(|u| self.chain(*u)).collect();
                let listed: Vec<String> = candidates.iter().map(|c| names(c)).collect();
                Outcome::Ambiguous {
                    explanation: format!(
                        "{preface}地址文字匹配 {}，可能是 {} 中的任何一个：请在地址中写明所在的区（街道、乡镇）或社区",
                        matched.join("、"),
                        listed.join("、")
                    ),
                    candidates,
                }
            }
            TextMatch::None => Outcome::NotFound {
                explanation: format!(
                    "{preface}地址中没有已知的网格、社区（村）、街道（乡镇）或道路名称"
                ),
            },
        }
    }
}

fn kind_area(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Grid => "网格",
        _ => "辖区",
    }
}

/// `大安區 龍門里`: coarsest first, as an address is written.
fn names(chain: &[UnitRef]) -> String {
    chain
        .iter()
        .rev()
        .map(|u| u.name.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn chain(units: &HashMap<UnitId, UnitInfo>, unit: UnitId) -> Vec<UnitRef> {
    let mut out = Vec::new();
    let mut at = Some(unit);
    while let Some(id) = at {
        let Some(u) = units.get(&id) else { break };
        if matches!(u.kind, OrgKind::County | OrgKind::Department) || out.len() > 16 {
            break;
        }
        out.push(UnitRef {
            id,
            kind: u.kind,
            name: u.name.clone(),
        });
        if matches!(u.kind, OrgKind::Town | OrgKind::Street) {
            break;
        }
        at = u.parent;
    }
    out
}

#[cfg(test)]
mod tests;
