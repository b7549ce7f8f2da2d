//! Responsibility lists (权责清单): import as a draft, publish with an effective date, read,
//! and find the version in force for a place and a day (for the dispatch engine).

use super::Orders;
use crate::duty::{
    Duty, DutyIssue, DutyList, DutyListInfo, DutyListStatus, DutyRules, LocalUnit, Severity,
    TableCheck, Taxonomy, UnitDirectory, UnitRef, effective_at, restatus,
};
use chrono::NaiveDate;
use jiceng_accounts::ports::UnitQuery;
use jiceng_accounts::unit_not_found;
use jiceng_kernel::access::{Action, Granted, Permission, Principal, action};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{CountyId, DutyId, DutyListId, UnitId};
use jiceng_kernel::org::{OrgKind, OrgUnit, UnitPath};
use std::collections::HashMap;

/// The answer for a list that is absent or outside the caller's jurisdiction: the same.
pub fn duty_list_not_found() -> Error {
    Error::new(
        codes::DUTY_LIST_NOT_FOUND,
        "权责清单不存在或不在您的管辖范围内",
    )
}

/// The units a duty names at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyUnits {
    /// `None` when the lead is a local form this place has no unit for.
    pub lead: Option<UnitId>,
    pub assisting: Vec<UnitId>,
    /// The references that name no unit at this place, as the list writes them (`属地网格`
    /// for an order placed only as far as its community).
    pub unresolved: Vec<String>,
}

/// What an import did: the stored draft (absent when any issue is an error) and every issue.
#[derive(Debug, Clone)]
pub struct DutyImport {
    pub list: Option<DutyList>,
    pub issues: Vec<DutyIssue>,
}

impl DutyImport {
    pub fn errors(&self) -> impl Iterator<Item = &DutyIssue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }
}

fn may_hold_list(unit: &OrgUnit) -> Result<()> {
    if matches!(unit.kind, OrgKind::County | OrgKind::Town | OrgKind::Street) {
        Ok(())
    } else {
        Err(Error::new(
            codes::DUTY_LIST_INVALID_UNIT,
            format!(
                "{}（{}）不能制定权责清单：清单属于区县、乡镇或街道",
                unit.name,
                unit.kind.label_zh()
            ),
        ))
    }
}

/// A text that looks like a unit code rather than a name.
fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

impl Orders {
    /// The unit, if `granted` holds over it; outside, the same 404 as a missing unit.
    async fn duty_unit<A: Action>(&self, granted: &Granted<A>, id: UnitId) -> Result<OrgUnit> {
        self.store
            .get_unit(id)
            .await?
            .filter(|u| granted.contains(&u.path))
            .ok_or_else(unit_not_found)
    }

    /// The versions of a jurisdiction's list, newest first.
    #[tracing::instrument(name = "duties.duty_lists", skip_all)]
    pub async fn duty_lists(&self, who: &Principal, unit: UnitId) -> Result<Vec<DutyListInfo>> {
        let granted = who.grant::<action::ReadDutyLists>()?;
        self.duty_unit(&granted, unit).await?;
        self.store.list_duty_lists(unit).await
    }

    /// One version with its duties.
    #[tracing::instrument(name = "duties.duty_list", skip_all, fields(id = %id))]
    pub async fn duty_list(&self, who: &Principal, id: DutyListId) -> Result<DutyList> {
        who.require(Permission::ReadDutyLists)?;
        let list = self
            .find_duty_list(&who.counties(), id)
            .await?
            .ok_or_else(duty_list_not_found)?;
        let unit = self
            .store
            .get_unit(list.info.unit_id)
            .await?
            .ok_or_else(duty_list_not_found)?;
        who.require_at(Permission::ReadDutyLists, &unit.path, duty_list_not_found())?;
        Ok(list)
    }

    /// Checks a list read from a file (`rows[i]` is row `i + 1`) and, when it has no errors,
    /// stores it as the jurisdiction's next version, a draft.
    #[tracing::instrument(name = "duties.import_duty_list", skip_all)]
    pub async fn import_duty_list(
        &self,
        who: &Principal,
        unit: UnitId,
        rows: &[Vec<String>],
        rules: &DutyRules,
    ) -> Result<DutyImport> {
        let granted = who.grant()?;
        let unit = self.duty_unit(&granted, unit).await?;
        self.import_checked(&granted, &unit, rows, rules).await
    }

    /// [`Orders::import_duty_list`] without a caller: for the command line and the demo.
    #[tracing::instrument(name = "duties.system_import_duty_list", skip_all)]
    pub async fn system_import_duty_list(
        &self,
        unit: UnitId,
        rows: &[Vec<String>],
        rules: &DutyRules,
    ) -> Result<DutyImport> {
        let granted = Granted::unchecked_system();
        let unit = self.duty_unit(&granted, unit).await?;
        self.import_checked(&granted, &unit, rows, rules).await
    }

    async fn import_checked(
        &self,
        granted: &Granted<action::ManageDutyLists>,
        unit: &OrgUnit,
        rows: &[Vec<String>],
        rules: &DutyRules,
    ) -> Result<DutyImport> {
        let by = granted.user();
        may_hold_list(unit)?;
        let check = TableCheck::read(rows, &Taxonomy::builtin(), rules);
        let dir = self.unit_directory(unit, &check).await?;
        let now = self.clock.now();
        let (duties, issues) = check.finish(&dir, || DutyId::new_at(now));
        if issues.iter().any(|i| i.severity == Severity::Error) {
            return Ok(DutyImport { list: None, issues });
        }
        let versions = self.store.list_duty_lists(unit.id).await?;
        let version = versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
        let list = DutyList {
            info: DutyListInfo {
                id: DutyListId::new_at(now),
                unit_id: unit.id,
                version,
                status: DutyListStatus::Draft,
                effective_date: None,
                created_by: by,
                created_at: now,
                published_at: None,
                duty_count: duties.len() as u32,
            },
            duties,
        };
        self.store.insert_duty_list(&list).await?;
        Ok(DutyImport {
            list: Some(list),
            issues,
        })
    }

    /// Looks up, in the whole tree the unit belongs to, the unit names and offices a list uses.
    async fn unit_directory(&self, unit: &OrgUnit, check: &TableCheck) -> Result<UnitDirectory> {
        let root_id = unit.path.ancestors().first().copied().unwrap_or(unit.id);
        let root = UnitPath::root(root_id);
        let mut dir = UnitDirectory::default();
        for text in check.unit_texts() {
            let mut found: Vec<(UnitId, String)> = Vec::new();
            if is_code(&text) {
                if let Some(u) = self.store.find_unit_by_code(&text).await?
                    && root.contains(&u.path)
                {
                    found.push((u.id, u.name));
                }
            } else {
                let q = UnitQuery {
                    scope: vec![root.clone()],
                    name_contains: Some(text.clone()),
                    limit: 50,
                    ..Default::default()
                };
                found = self
                    .store
                    .list_units(&q)
                    .await?
                    .into_iter()
                    .filter(|u| u.name == text)
                    .map(|u| (u.id, u.name))
                    .collect();
            }
            dir.units.insert(text, found);
        }
        for office in check.office_names() {
            let q = UnitQuery {
                scope: vec![root.clone()],
                kind: Some(OrgKind::Department),
                name_contains: Some(office.clone()),
                limit: 500,
                ..Default::default()
            };
            let units = self.store.list_units(&q).await?;
            if units
                .iter()
                .any(|u| u.parent_id != Some(root_id) && crate::duty::is_office(u, &office))
            {
                dir.offices.insert(office);
            }
        }
        Ok(dir)
    }

    /// Publishes a draft: from `effective` on, it governs new dispatches of its jurisdiction.
    #[tracing::instrument(name = "duties.publish_duty_list", skip_all, fields(id = %id))]
    pub async fn publish_duty_list(
        &self,
        who: &Principal,
        id: DutyListId,
        effective: NaiveDate,
    ) -> Result<DutyList> {
        let list = self.duty_list(who, id).await?;
        let granted = who.grant()?;
        let unit = self
            .duty_unit(&granted, list.info.unit_id)
            .await
            .map_err(|e| {
                if e.kind == jiceng_kernel::ErrorKind::NotFound {
                    duty_list_not_found()
                } else {
                    e
                }
            })?;
        self.publish_checked(&granted, &unit, list, effective).await
    }

    /// [`Orders::publish_duty_list`] without a caller: for the command line and the demo.
    #[tracing::instrument(name = "duties.system_publish_duty_list", skip_all, fields(id = %id))]
    pub async fn system_publish_duty_list(
        &self,
        id: DutyListId,
        effective: NaiveDate,
    ) -> Result<DutyList> {
        let list = self
            .find_duty_list(&self.all_counties().await?, id)
            .await?
            .ok_or_else(duty_list_not_found)?;
        let granted = Granted::unchecked_system();
        let unit = self.duty_unit(&granted, list.info.unit_id).await?;
        self.publish_checked(&granted, &unit, list, effective).await
    }

    async fn publish_checked(
        &self,
        _: &Granted<action::ManageDutyLists>,
        unit: &OrgUnit,
        mut list: DutyList,
        effective: NaiveDate,
    ) -> Result<DutyList> {
        if list.info.status != DutyListStatus::Draft {
            return Err(Error::new(
                codes::DUTY_LIST_NOT_DRAFT,
                format!(
                    "第 {} 版已于 {} 发布，不能再次发布；请导入新版本",
                    list.info.version,
                    list.info
                        .effective_date
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                ),
            ));
        }
        let now = self.clock.now();
        let mut versions = self.store.list_duty_lists(unit.id).await?;
        for v in versions.iter_mut().filter(|v| v.id == list.info.id) {
            v.status = DutyListStatus::Effective;
            v.effective_date = Some(effective);
        }
        let statuses = restatus(&versions);
        self.store
            .publish_duty_list(unit.path.county(), list.info.id, effective, now, &statuses)
            .await?;
        list.info.effective_date = Some(effective);
        list.info.published_at = Some(now);
        list.info.status = statuses
            .iter()
            .find(|(id, _)| *id == list.info.id)
            .map_or(DutyListStatus::Effective, |(_, s)| *s);
        Ok(list)
    }

    /// The version of `unit`'s own list in force on `date`, with its duties.
    #[tracing::instrument(name = "duties.effective_duty_list", skip_all)]
    pub async fn effective_duty_list(
        &self,
        unit: UnitId,
        date: NaiveDate,
    ) -> Result<Option<DutyList>> {
        let versions = self.store.list_duty_lists(unit).await?;
        let Some(v) = effective_at(&versions, date) else {
            return Ok(None);
        };
        let Some(u) = self.store.get_unit(unit).await? else {
            return Ok(None);
        };
        self.store.get_duty_list(u.path.county(), v.id).await
    }

    /// A list version by id in the first of `counties` that holds it.
    async fn find_duty_list(
        &self,
        counties: &[CountyId],
        id: DutyListId,
    ) -> Result<Option<DutyList>> {
        for c in counties {
            if let Some(l) = self.store.get_duty_list(*c, id).await? {
                return Ok(Some(l));
            }
        }
        Ok(None)
    }

    /// The list that governs a place on `date`: that of the nearest unit above it (or the
    /// place itself) with a version in force. For the dispatch engine.
    #[tracing::instrument(name = "duties.duty_list_for", skip_all)]
    pub async fn duty_list_for(
        &self,
        place: &UnitPath,
        date: NaiveDate,
    ) -> Result<Option<DutyList>> {
        for unit in place.ancestors().into_iter().rev() {
            if let Some(list) = self.effective_duty_list(unit, date).await? {
                return Ok(Some(list));
            }
        }
        Ok(None)
    }

    /// The units `duty` names for an order at `place` (its community, village or grid): fixed
    /// units as they are, the local forms (属地…) found from the place and its town's offices.
    #[tracing::instrument(name = "duties.duty_units_at", skip_all)]
    pub async fn duty_units_at(&self, duty: &Duty, place: UnitId) -> Result<DutyUnits> {
        let here = self
            .store
            .get_unit(place)
            .await?
            .ok_or_else(unit_not_found)?;
        let mut chain = Vec::new();
        for id in here.path.ancestors() {
            chain.extend(self.store.get_unit(id).await?);
        }
        let needs_offices = std::iter::once(&duty.lead).chain(&duty.assisting).any(|u| {
            matches!(
                u,
                UnitRef::Local {
                    local: LocalUnit::TownOffice(_)
                }
            )
        });
        let town = chain
            .iter()
            .rev()
            .find(|u| matches!(u.kind, OrgKind::Town | OrgKind::Street));
        let offices = match town {
            Some(t) if needs_offices => {
                let q = UnitQuery {
                    parent: Some(t.id),
                    kind: Some(OrgKind::Department),
                    limit: 500,
                    ..Default::default()
                };
                self.store.list_units(&q).await?
            }
            _ => Vec::new(),
        };
        let mut unresolved = Vec::new();
        let mut resolve = |u: &UnitRef| {
            let id = u.resolve(&chain, &offices);
            if id.is_none() {
                unresolved.push(u.to_string());
            }
            id
        };
        let lead = resolve(&duty.lead);
        let assisting = duty.assisting.iter().filter_map(&mut resolve).collect();
        Ok(DutyUnits {
            lead,
            assisting,
            unresolved,
        })
    }

    /// Puts the current names of fixed units into a list read from storage, so that an
    /// export after a unit was renamed still imports.
    #[tracing::instrument(name = "duties.refresh_unit_names", skip_all, fields(list_id = %list.info.id))]
    pub async fn refresh_unit_names(&self, list: &mut DutyList) -> Result<()> {
        let mut names: HashMap<UnitId, Option<String>> = HashMap::new();
        for duty in &mut list.duties {
            for u in std::iter::once(&mut duty.lead).chain(duty.assisting.iter_mut()) {
                if let UnitRef::Unit { id, name } = u {
                    if !names.contains_key(id) {
                        let current = self.store.get_unit(*id).await?.map(|x| x.name);
                        names.insert(*id, current);
                    }
                    if let Some(Some(current)) = names.get(id) {
                        name.clone_from(current);
                    }
                }
            }
        }
        Ok(())
    }
}
