//! The second step of reading a list: the unit names its rows use, looked up in the org tree.

use super::{ASSISTING, LEAD, TableCheck};
use crate::duty::Duty;
use crate::duty::issues::{DutyIssue, Severity};
use crate::duty::units::{LocalUnit, UnitRef};
use jiceng_kernel::error::codes;
use jiceng_kernel::ids::{DutyId, UnitId};
use std::collections::{HashMap, HashSet};

/// What the org tree answered for the unit names a list uses.
#[derive(Debug, Clone, Default)]
pub struct UnitDirectory {
    /// Units by the exact text used in the file (a name or a code).
    pub units: HashMap<String, Vec<(UnitId, String)>>,
    /// Office names (after a town's name) that exist under at least one town.
    pub offices: HashSet<String>,
}

impl TableCheck {
    /// The names and codes the rows use for units (not the local forms).
    pub fn unit_texts(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .drafts
            .iter()
            .flat_map(|d| d.lead.iter().chain(d.assisting.iter()))
            .filter(|t| LocalUnit::parse(t).is_none())
            .cloned()
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The town offices the rows name (`属地乡镇（街道）综合行政执法队` → `综合行政执法队`).
    pub fn office_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .drafts
            .iter()
            .flat_map(|d| d.lead.iter().chain(d.assisting.iter()))
            .filter_map(|t| match LocalUnit::parse(t) {
                Some(LocalUnit::TownOffice(s)) => Some(s),
                _ => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    fn resolve(
        &mut self,
        row: u32,
        field: &'static str,
        text: &str,
        dir: &UnitDirectory,
    ) -> Option<UnitRef> {
        if let Some(local) = LocalUnit::parse(text) {
            if let LocalUnit::TownOffice(o) = &local
                && !dir.offices.contains(o)
            {
                self.error(
                    row,
                    field,
                    codes::DUTY_LIST_UNKNOWN_UNIT,
                    format!(
                        "没有任何乡镇（街道）设有“{o}”：请核对部门名称，或在组织机构中先建立该部门"
                    ),
                );
                return None;
            }
            return Some(UnitRef::Local { local });
        }
        match dir.units.get(text).map(Vec::as_slice) {
            Some([(id, name)]) => Some(UnitRef::Unit {
                id: *id,
                name: name.clone(),
            }),
            Some([_, _, ..]) => {
                self.error(
                    row,
                    field,
                    codes::DUTY_LIST_AMBIGUOUS_UNIT,
                    format!("有多个单位名为“{text}”：请改填单位代码"),
                );
                None
            }
            _ => {
                self.error(row, field, codes::DUTY_LIST_UNKNOWN_UNIT,
                    format!("组织机构中没有单位“{text}”：请填写单位全称或代码，或写“属地乡镇（街道）”“属地社区（村）”“属地网格”"));
                None
            }
        }
    }

    /// Resolves the units; the duties get fresh ids from `new_id`. The list is usable only
    /// when no issue is an error.
    pub fn finish(
        mut self,
        dir: &UnitDirectory,
        mut new_id: impl FnMut() -> DutyId,
    ) -> (Vec<Duty>, Vec<DutyIssue>) {
        let drafts = std::mem::take(&mut self.drafts);
        let mut duties = Vec::with_capacity(drafts.len());
        for d in drafts {
            let lead = d
                .lead
                .as_deref()
                .and_then(|t| self.resolve(d.row, LEAD, t, dir));
            let assisting: Vec<Option<UnitRef>> = d
                .assisting
                .iter()
                .map(|t| self.resolve(d.row, ASSISTING, t, dir))
                .collect();
            if let (Some(lead), Some(assisting)) =
                (lead, assisting.into_iter().collect::<Option<Vec<_>>>())
            {
                duties.push(Duty {
                    id: new_id(),
                    lead,
                    assisting,
                    ..d.duty
                });
            }
        }
        self.issues.sort_by_key(|i| i.row);
        if self.issues.iter().any(|i| i.severity == Severity::Error) {
            duties.clear();
        }
        (duties, self.issues)
    }
}
