//! The organisation tree: county → town/street → community/village → grid,
//! with functional departments hanging under the county or a town.

use crate::error::codes;
use crate::error::{Error, Result};
use crate::ids::UnitId;
use crate::text;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of an organisation unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 区县
    County,
    /// 乡镇
    Town,
    /// 街道
    Street,
    /// 社区
    Community,
    /// 村
    Village,
    /// 网格
    Grid,
    /// 职能部门（局、办、中心）
    Department,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        Self::County,
        Self::Town,
        Self::Street,
        Self::Community,
        Self::Village,
        Self::Grid,
        Self::Department,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Town => "town",
            Self::Street => "street",
            Self::Community => "community",
            Self::Village => "village",
            Self::Grid => "grid",
            Self::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::County => "区县",
            Self::Town => "乡镇",
            Self::Street => "街道",
            Self::Community => "社区",
            Self::Village => "村",
            Self::Grid => "网格",
            Self::Department => "部门",
        }
    }

    /// Which kinds may stand directly under a unit of this kind.
    pub fn allows_child(self, child: OrgKind) -> bool {
        use OrgKind::*;
        match self {
            County => matches!(child, Town | Street | Department),
            Town | Street => matches!(child, Community | Village | Department),
            Community | Village => matches!(child, Grid),
            Department => matches!(child, Department),
            Grid => false,
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Materialised path of a unit: `/<root id>/<child id>/…/<own id>/`.
///
/// A unit's subtree is exactly the units whose path starts with its path, which makes
/// jurisdiction a prefix test in memory and a range scan on an index in the database.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitPath(String);

impl UnitPath {
    pub fn root(id: UnitId) -> Self {
        Self(format!("/{id}/"))
    }
    pub fn child(&self, id: UnitId) -> Self {
        Self(format!("{}{id}/", self.0))
    }
    /// Trusts a path read back from storage.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// True when `other` is this unit or lies below it.
    pub fn contains(&self, other: &UnitPath) -> bool {
        other.0.starts_with(&self.0)
    }
    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(1)
    }
    /// Half-open range `[lo, hi)` of stored paths in this subtree: `/` (0x2F) is followed by `0`.
    pub fn subtree_range(&self) -> (String, String) {
        let mut hi = self.0.clone();
        hi.pop();
        hi.push('0');
        (self.0.clone(), hi)
    }
    /// The county the unit belongs to: the root of its path.
    pub fn county(&self) -> crate::ids::CountyId {
        let root = self
            .0
            .split('/')
            .find(|s| !s.is_empty())
            .and_then(UnitId::parse);
        crate::ids::CountyId(root.map(|u| u.0).unwrap_or_default())
    }
    /// Ids on the path from the root down to this unit.
    pub fn ancestors(&self) -> Vec<UnitId> {
        self.0
            .split('/')
            .filter(|s| !s.is_empty())
            .filter_map(UnitId::parse)
            .collect()
    }
}

/// The six digits a county's numbers carry (order and record numbers, `JC511602…`): the
/// first six of its division code, `000000` for a county recorded without one.
pub fn county_number_code(county: &OrgUnit) -> String {
    match &county.code {
        Some(c) if c.len() >= 6 && c.as_bytes()[..6].iter().all(u8::is_ascii_digit) => {
            c[..6].to_owned()
        }
        _ => "000000".to_owned(),
    }
}

/// The county code in a number made by [`county_number_code`] after a two-letter kind
/// (`JC511602202612070000042` gives `511602`); `None` for a number without one (made before
/// numbers carried their county: two letters, eight digits of date, six of sequence).
pub fn number_county_code(number: &str) -> Option<&str> {
    let b = number.as_bytes();
    (b.len() == 22
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..].iter().all(u8::is_ascii_digit))
    .then(|| &number[2..8])
}

/// One unit of the organisation tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: UnitId,
    pub parent_id: Option<UnitId>,
    pub kind: OrgKind,
    pub name: String,
    /// Official code where there is one (12-digit division code, or a department's code).
    pub code: Option<String>,
    pub path: UnitPath,
    /// GeoJSON geometry (grids and communities), WGS-84.
    pub geometry: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

/// A validated request to create a unit.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrgUnit {
    pub parent_id: Option<UnitId>,
    pub kind: OrgKind,
    pub name: String,
    pub code: Option<String>,
    pub geometry: Option<serde_json::Value>,
}

pub const MAX_UNIT_NAME: usize = 64;

impl NewOrgUnit {
    pub fn parse(
        parent_id: Option<UnitId>,
        kind: OrgKind,
        name: &str,
        code: Option<&str>,
        geometry: Option<serde_json::Value>,
    ) -> Result<Self> {
        let name = text::clean(
            name,
            "单位名称",
            MAX_UNIT_NAME,
            codes::ORG_UNIT_INVALID_NAME,
        )?;
        let code = text::clean_opt(code, "单位代码", 18, codes::ORG_UNIT_INVALID_CODE)?;
        if let Some(c) = &code
            && !c
                .chars()
                .all(|ch| ch.is_ascii_digit() || ch.is_ascii_uppercase())
        {
            return Err(Error::new(
                codes::ORG_UNIT_INVALID_CODE,
                "单位代码只能包含数字和大写字母（如 12 位区划代码或统一社会信用代码）",
            ));
        }
        if let Some(g) = &geometry {
            check_geometry(g)?;
        }
        Ok(Self {
            parent_id,
            kind,
            name,
            code,
            geometry,
        })
    }

    /// Checks the placement rules of the tree against the parent (None for a root).
    pub fn check_parent(&self, parent: Option<&OrgUnit>) -> Result<()> {
        match parent {
            None if self.kind != OrgKind::County => Err(Error::new(
                codes::ORG_UNIT_INVALID_PARENT,
                format!("{}必须有上级单位", self.kind.label_zh()),
            )),
            Some(p) if !p.kind.allows_child(self.kind) => Err(Error::new(
                codes::ORG_UNIT_INVALID_PARENT,
                format!(
                    "{}（{}）下不能设立{}",
                    p.name,
                    p.kind.label_zh(),
                    self.kind.label_zh()
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// A grid or community outline must be a GeoJSON Polygon or MultiPolygon of WGS-84
/// positions; a coordinate off the globe would poison the locator's index.
fn check_geometry(g: &serde_json::Value) -> Result<()> {
    let ty = g.get("type").and_then(|t| t.as_str());
    let coords_ok = g.get("coordinates").is_some_and(|c| c.is_array());
    match ty {
        Some("Polygon" | "MultiPolygon") if coords_ok => {}
        _ => {
            return Err(Error::new(
                codes::ORG_UNIT_INVALID_GEOMETRY,
                "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon",
            ));
        }
    }
    check_positions(&g["coordinates"])
}

/// Every position `[longitude, latitude]` finite, longitude within ±180 and latitude within ±90.
fn check_positions(v: &serde_json::Value) -> Result<()> {
    let Some(items) = v.as_array() else {
        return Err(bad_position(v));
    };
    if items.first().is_some_and(|x| x.is_number()) {
        let lon = items.first().and_then(|x| x.as_f64());
        let lat = items.get(1).and_then(|x| x.as_f64());
        return match (lon, lat) {
            (Some(lon), Some(lat))
                if lon.is_finite()
                    && lat.is_finite()
                    && (-180.0..=180.0).contains(&lon)
                    && (-90.0..=90.0).contains(&lat) =>
            {
                Ok(())
            }
            _ => Err(bad_position(v)),
        };
    }
    items.iter().try_for_each(check_positions)
}

fn bad_position(v: &serde_json::Value) -> Error {
    let shown: String = v.to_string().chars().take(60).collect();
    Error::new(
        codes::ORG_UNIT_INVALID_GEOMETRY,
        format!(
            "边界坐标 {shown} 无效：须为 [经度, 纬度]（WGS-84），经度在 -180 到 180 之间，纬度在 -90 到 90 之间"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> UnitId {
        UnitId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn subtree_is_prefix() {
        let county = UnitPath::root(id(1));
        let town = county.child(id(2));
        let other = UnitPath::root(id(3));
        assert!(county.contains(&town));
        assert_eq!(town.county(), crate::ids::CountyId(id(1).0));
        assert_eq!(county.county(), crate::ids::CountyId(id(1).0));
        assert!(town.contains(&town));
        assert!(!town.contains(&county));
        assert!(!other.contains(&town));
        let (lo, hi) = county.subtree_range();
        assert!(town.as_str() >= lo.as_str() && town.as_str() < hi.as_str());
        assert!(!(other.as_str() >= lo.as_str() && other.as_str() < hi.as_str()));
        assert_eq!(town.ancestors(), vec![id(1), id(2)]);
        assert_eq!(town.depth(), 2);
    }

    #[test]
    fn numbers_carry_the_county_code() {
        let mut county = OrgUnit {
            id: id(1),
            parent_id: None,
            kind: OrgKind::County,
            name: "广安区".into(),
            code: Some("511602000000".into()),
            path: UnitPath::root(id(1)),
            geometry: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        assert_eq!(county_number_code(&county), "511602");
        county.code = None;
        assert_eq!(county_number_code(&county), "000000");
        county.code = Some("A1".into());
        assert_eq!(county_number_code(&county), "000000");
        assert_eq!(number_county_code("JC51160220261207000042"), Some("511602"));
        assert_eq!(number_county_code("CB51160220261207000001"), Some("511602"));
        assert_eq!(number_county_code("JC20261207000042"), None);
        assert_eq!(number_county_code("JC5116022026120700004x"), None);
    }

    #[test]
    fn tree_placement_rules() {
        assert!(OrgKind::County.allows_child(OrgKind::Street));
        assert!(!OrgKind::County.allows_child(OrgKind::Grid));
        assert!(OrgKind::Village.allows_child(OrgKind::Grid));
        assert!(!OrgKind::Grid.allows_child(OrgKind::Grid));
        let town = NewOrgUnit::parse(None, OrgKind::Town, "官盛镇", None, None).unwrap();
        assert_eq!(
            town.check_parent(None).unwrap_err().code,
            "org_unit.invalid_parent"
        );
    }

    #[test]
    fn codes_and_geometry_are_checked() {
        assert!(NewOrgUnit::parse(None, OrgKind::County, "广安区", Some("511602"), None).is_ok());
        assert!(NewOrgUnit::parse(None, OrgKind::County, "广安区", Some("51-16"), None).is_err());
        let bad = serde_json::json!({"type": "Point", "coordinates": [1, 2]});
        assert!(NewOrgUnit::parse(None, OrgKind::Grid, "一号网格", None, Some(bad)).is_err());
    }
}

/// A unit something is assigned to (an order's lead, a clock's answering unit), named as it
/// was then, with its path for jurisdiction checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    pub unit_id: UnitId,
    pub unit_name: String,
    pub unit_path: UnitPath,
}
