//! Administrative divisions (county → towns/streets → villages/communities) and how they
//! become org units. Shared by `import divisions` and the demo.

use anyhow::{Context, Result};
use jiceng_kernel::org::{NewOrgUnit, OrgKind, OrgUnit};
use jiceng_orders::use_cases::Orders;
use serde::Deserialize;
use std::collections::HashMap;

/// One division with its 12-digit official code and full name as the source spells it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Division {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TownTree {
    #[serde(flatten)]
    pub town: Division,
    #[serde(default)]
    pub villages: Vec<Division>,
}

/// A county and everything under it that is to be loaded.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CountyTree {
    #[serde(flatten)]
    pub county: Division,
    pub towns: Vec<TownTree>,
}

/// 街道 are streets; 镇, 乡 and the rest are towns.
pub fn town_kind(full_name: &str) -> OrgKind {
    if full_name.ends_with("街道") {
        OrgKind::Street
    } else {
        OrgKind::Town
    }
}

/// Kind and unit name of a village-level division, from its committee's name:
/// `翠屏路社区居委会` → community `翠屏路社区`; `石院村委会` → village `石院村`.
pub fn village_unit(raw: &str) -> (OrgKind, String) {
    let raw = raw.trim();
    if let Some(base) = raw.strip_suffix("村民委员会") {
        return (OrgKind::Village, format!("{base}村"));
    }
    if let Some(base) = raw.strip_suffix("委会")
        && base.ends_with('村')
    {
        return (OrgKind::Village, base.to_owned());
    }
    if let Some(base) = raw.strip_suffix("居委会")
        && base.ends_with("社区")
    {
        return (OrgKind::Community, base.to_owned());
    }
    let village = raw.ends_with('村') || raw.ends_with("嘎查") || raw.ends_with("嘎查委员会");
    let kind = if village {
        OrgKind::Village
    } else {
        OrgKind::Community
    };
    (kind, raw.to_owned())
}

/// Units counted by kind, in a stable order for printing.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct KindCounts(pub Vec<(OrgKind, usize)>);

impl KindCounts {
    pub fn add(&mut self, kind: OrgKind) {
        match self.0.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => self.0.push((kind, 1)),
        }
    }
    pub fn total(&self) -> usize {
        self.0.iter().map(|(_, n)| n).sum()
    }
    pub fn of(units: &[OrgUnit]) -> Self {
        let mut c = Self::default();
        for u in units {
            c.add(u.kind);
        }
        c
    }
    /// `1 区县, 6 街道, 19 乡镇`
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "none".to_owned();
        }
        let mut v = self.0.clone();
        v.sort_by_key(|(k, _)| OrgKind::ALL.iter().position(|x| x == k));
        v.iter()
            .map(|(k, n)| format!("{n} {} ({k})", k.label_zh()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The units a tree needs that the database lacks, parents first.
#[derive(Debug, Default)]
pub struct DivisionPlan {
    pub new_units: Vec<OrgUnit>,
    /// Units found by code in the database, by kind.
    pub skipped: KindCounts,
    /// Every unit of the tree, new or existing, by code.
    pub by_code: HashMap<String, OrgUnit>,
}

impl DivisionPlan {
    /// Finds the unit with `code` in the database or builds it under `parent`.
    async fn place(
        &mut self,
        orders: &Orders,
        parent: Option<&OrgUnit>,
        kind: OrgKind,
        name: &str,
        code: &str,
    ) -> Result<OrgUnit> {
        if let Some(existing) = orders.store.find_unit_by_code(code).await? {
            self.skipped.add(existing.kind);
            self.by_code.insert(code.to_owned(), existing.clone());
            return Ok(existing);
        }
        let new = NewOrgUnit::parse(parent.map(|p| p.id), kind, name, Some(code), None)
            .map_err(|e| anyhow::anyhow!("{name} ({code}): {}", e.message))?;
        let unit = orders
            .accounts
            .build_unit(new, parent)
            .map_err(|e| anyhow::anyhow!("{name} ({code}): {}", e.message))?;
        self.new_units.push(unit.clone());
        self.by_code.insert(code.to_owned(), unit.clone());
        Ok(unit)
    }
}

/// Plans the org units for a county tree; units whose code exists already are reused.
pub async fn plan(orders: &Orders, tree: &CountyTree) -> Result<DivisionPlan> {
    let mut plan = DivisionPlan::default();
    let c = &tree.county;
    let county = plan
        .place(orders, None, OrgKind::County, &c.name, &c.code)
        .await
        .context("cannot place the county")?;
    for t in &tree.towns {
        let kind = town_kind(&t.town.name);
        let town = plan
            .place(orders, Some(&county), kind, &t.town.name, &t.town.code)
            .await?;
        for v in &t.villages {
            let (kind, name) = village_unit(&v.name);
            plan.place(orders, Some(&town), kind, &name, &v.code)
                .await?;
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn town_kinds() {
        assert_eq!(town_kind("浓洄街道"), OrgKind::Street);
        assert_eq!(town_kind("官盛镇"), OrgKind::Town);
        assert_eq!(town_kind("龙安乡"), OrgKind::Town);
    }

    #[test]
    fn village_names_and_kinds() {
        let c = |s| village_unit(s);
        assert_eq!(
            c("翠屏路社区居委会"),
            (OrgKind::Community, "翠屏路社区".into())
        );
        assert_eq!(c("石院村委会"), (OrgKind::Village, "石院村".into()));
        assert_eq!(c("大寨村民委员会"), (OrgKind::Village, "大寨村".into()));
        assert_eq!(c("望江社区"), (OrgKind::Community, "望江社区".into()));
        assert_eq!(c("新村"), (OrgKind::Village, "新村".into()));
        assert_eq!(c("第一居委会"), (OrgKind::Community, "第一居委会".into()));
        assert_eq!(c("某生活区"), (OrgKind::Community, "某生活区".into()));
    }
}
