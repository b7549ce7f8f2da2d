//! How a duty names a unit: a unit of the tree by name or code, or a unit found from where
//! the demand is (属地): the town or street, the community or village, the grid, or an office
//! of the town such as its 综合行政执法队.

use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::{OrgKind, OrgUnit};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A unit relative to the order's location.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalUnit {
    /// 属地乡镇（街道）
    Town,
    /// 属地社区（村）
    Community,
    /// 属地网格
    Grid,
    /// 属地乡镇（街道）的一个部门, by the part of its name after the town's name.
    TownOffice(String),
}

/// A lead or assisting unit of a duty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UnitRef {
    /// One unit of the tree; the name is kept as it was when the list was imported.
    Unit { id: UnitId, name: String },
    /// Found from the location of each order.
    Local { local: LocalUnit },
}

const LOCAL_PREFIXES: [&str; 2] = ["属地", "所在"];
const TOWN_WORDS: [&str; 6] = ["乡镇(街道)", "乡镇街道", "镇(街道)", "镇街", "乡镇", "街道"];
const COMMUNITY_WORDS: [&str; 5] = ["社区(村)", "村(社区)", "村社区", "社区", "村"];

impl LocalUnit {
    /// Reads `属地乡镇（街道）`, `所在社区（村）`, `属地网格`, `属地乡镇（街道）综合行政执法队` and
    /// their short forms (`属地乡镇`, `属地街道`, `属地村`, …); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let t: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c,
            })
            .collect();
        let rest = LOCAL_PREFIXES.iter().find_map(|p| t.strip_prefix(p))?;
        if rest == "网格" {
            return Some(Self::Grid);
        }
        if COMMUNITY_WORDS.contains(&rest) {
            return Some(Self::Community);
        }
        let office = TOWN_WORDS.iter().find_map(|w| rest.strip_prefix(w))?;
        let office = office.trim_start_matches(['的', '-', '/']);
        Some(if office.is_empty() {
            Self::Town
        } else {
            Self::TownOffice(office.to_owned())
        })
    }

    /// The unit this stands for at a location (`chain`: the location's units from the root
    /// down); `offices`: departments under the location's town, for [`LocalUnit::TownOffice`].
    pub fn resolve(&self, chain: &[OrgUnit], offices: &[OrgUnit]) -> Option<UnitId> {
        let find = |kinds: &[OrgKind]| chain.iter().rev().find(|u| kinds.contains(&u.kind));
        match self {
            Self::Town => find(&[OrgKind::Town, OrgKind::Street]).map(|u| u.id),
            Self::Community => find(&[OrgKind::Community, OrgKind::Village]).map(|u| u.id),
            Self::Grid => find(&[OrgKind::Grid]).map(|u| u.id),
            Self::TownOffice(suffix) => {
                let town = find(&[OrgKind::Town, OrgKind::Street])?;
                offices
                    .iter()
                    .find(|o| o.parent_id == Some(town.id) && is_office(o, suffix))
                    .map(|o| o.id)
            }
        }
    }
}

/// Whether a town's department is the office a duty names (`浓洄街道综合行政执法队` for
/// `综合行政执法队`).
pub fn is_office(unit: &OrgUnit, suffix: &str) -> bool {
    unit.kind == OrgKind::Department && unit.name.ends_with(suffix)
}

impl fmt::Display for LocalUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Town => f.write_str("属地乡镇（街道）"),
            Self::Community => f.write_str("属地社区（村）"),
            Self::Grid => f.write_str("属地网格"),
            Self::TownOffice(s) => write!(f, "属地乡镇（街道）{s}"),
        }
    }
}

impl UnitRef {
    /// The unit at a location; see [`LocalUnit::resolve`].
    pub fn resolve(&self, chain: &[OrgUnit], offices: &[OrgUnit]) -> Option<UnitId> {
        match self {
            Self::Unit { id, .. } => Some(*id),
            Self::Local { local } => local.resolve(chain, offices),
        }
    }
}

/// The text a list file carries: the unit's name, or the local form.
impl fmt::Display for UnitRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unit { name, .. } => f.write_str(name),
            Self::Local { local } => local.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiceng_kernel::org::UnitPath;

    fn unit(id: u128, parent: Option<&OrgUnit>, kind: OrgKind, name: &str) -> OrgUnit {
        let uid = UnitId(uuid::Uuid::from_u128(id));
        OrgUnit {
            id: uid,
            parent_id: parent.map(|p| p.id),
            kind,
            name: name.into(),
            code: None,
            path: parent.map_or_else(|| UnitPath::root(uid), |p| p.path.child(uid)),
            geometry: None,
            created_at: chrono::DateTime::default(),
        }
    }

    #[test]
    fn local_forms_parse_and_print_back() {
        for (text, want) in [
            ("属地乡镇（街道）", LocalUnit::Town),
            ("所在街道", LocalUnit::Town),
            ("属地 社区（村）", LocalUnit::Community),
            ("属地村", LocalUnit::Community),
            ("属地网格", LocalUnit::Grid),
            (
                "属地乡镇（街道）综合行政执法队",
                LocalUnit::TownOffice("综合行政执法队".into()),
            ),
        ] {
            assert_eq!(LocalUnit::parse(text), Some(want.clone()), "{text}");
            assert_eq!(LocalUnit::parse(&want.to_string()), Some(want));
        }
        assert_eq!(LocalUnit::parse("广安区民政局"), None);
        assert_eq!(LocalUnit::parse("属地"), None);
    }

    #[test]
    fn resolves_from_the_location() {
        let county = unit(1, None, OrgKind::County, "广安区");
        let town = unit(2, Some(&county), OrgKind::Street, "浓洄街道");
        let comm = unit(3, Some(&town), OrgKind::Community, "翠屏路社区居委会");
        let office = unit(
            4,
            Some(&town),
            OrgKind::Department,
            "浓洄街道综合行政执法队",
        );
        let chain = [county, town.clone(), comm.clone()];
        let offices = [office.clone()];
        let r = |l: LocalUnit| l.resolve(&chain, &offices);
        assert_eq!(r(LocalUnit::Town), Some(town.id));
        assert_eq!(r(LocalUnit::Community), Some(comm.id));
        assert_eq!(r(LocalUnit::Grid), None, "no grid known for this location");
        assert_eq!(
            r(LocalUnit::TownOffice("综合行政执法队".into())),
            Some(office.id)
        );
        assert_eq!(r(LocalUnit::TownOffice("社会事务办公室".into())), None);
    }
}
