use crate::Accounts;
use crate::ports::UnitQuery;
use jiceng_kernel::access::{Permission, Principal};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::{NewOrgUnit, OrgKind, OrgUnit, UnitPath};
use jiceng_kernel::page_size;
use jiceng_kernel::text;

/// Changes to a unit; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UnitPatch {
    pub name: Option<String>,
    pub code: Option<String>,
    pub geometry: Option<serde_json::Value>,
}

/// The answer for a unit that is absent or outside the caller's jurisdiction: the same.
pub fn unit_not_found() -> Error {
    Error::new(codes::ORG_UNIT_NOT_FOUND, "单位不存在或不在您的管辖范围内")
}

impl Accounts {
    /// Units in the caller's jurisdiction, in tree order.
    #[tracing::instrument(name = "org.list_units", skip_all)]
    pub async fn list_units(
        &self,
        who: &Principal,
        parent: Option<UnitId>,
        kind: Option<OrgKind>,
        name_contains: Option<String>,
        after_path: Option<String>,
        limit: Option<u32>,
    ) -> Result<Vec<OrgUnit>> {
        let scope = who.require(Permission::ReadOrg)?;
        let name_contains = text::clean_opt(
            name_contains.as_deref(),
            "名称",
            64,
            codes::ORG_UNIT_INVALID_QUERY,
        )?;
        self.store
            .list_units(&UnitQuery {
                scope: scope.into_roots(),
                parent,
                kind,
                name_contains,
                after_path,
                limit: page_size(limit),
            })
            .await
    }

    #[tracing::instrument(name = "org.get_unit", skip_all, fields(id = %id))]
    pub async fn get_unit(&self, who: &Principal, id: UnitId) -> Result<OrgUnit> {
        who.require(Permission::ReadOrg)?;
        let unit = self.store.get_unit(id).await?.ok_or_else(unit_not_found)?;
        who.require_at(Permission::ReadOrg, &unit.path, unit_not_found())?;
        Ok(unit)
    }

    /// Creates a unit under a parent the caller administers.
    #[tracing::instrument(name = "org.create_unit", skip_all)]
    pub async fn create_unit(&self, who: &Principal, new: NewOrgUnit) -> Result<OrgUnit> {
        who.require(Permission::ManageOrg)?;
        let Some(parent_id) = new.parent_id else {
            return Err(Error::forbidden("只有系统初始化可以创建顶级单位"));
        };
        let parent = self
            .store
            .get_unit(parent_id)
            .await?
            .ok_or_else(unit_not_found)?;
        who.require_at(Permission::ManageOrg, &parent.path, unit_not_found())?;
        self.insert_checked(Some(who), new, Some(&parent)).await
    }

    /// Creates a unit without a caller: for the CLI, imports and the demo.
    #[tracing::instrument(name = "org.system_create_unit", skip_all)]
    pub async fn system_create_unit(&self, new: NewOrgUnit) -> Result<OrgUnit> {
        let parent = match new.parent_id {
            Some(id) => Some(self.store.get_unit(id).await?.ok_or_else(unit_not_found)?),
            None => None,
        };
        self.insert_checked(None, new, parent.as_ref()).await
    }

    /// Builds a unit under `parent` without storing it, for bulk loads.
    pub fn build_unit(&self, new: NewOrgUnit, parent: Option<&OrgUnit>) -> Result<OrgUnit> {
        new.check_parent(parent)?;
        let now = self.clock.now();
        let id = UnitId::new_at(now);
        let path = match parent {
            Some(p) => p.path.child(id),
            None => UnitPath::root(id),
        };
        Ok(OrgUnit {
            id,
            parent_id: parent.map(|p| p.id),
            kind: new.kind,
            name: new.name,
            code: new.code,
            path,
            geometry: new.geometry,
            created_at: now,
        })
    }

    async fn insert_checked(
        &self,
        who: Option<&Principal>,
        new: NewOrgUnit,
        parent: Option<&OrgUnit>,
    ) -> Result<OrgUnit> {
        let unit = self.build_unit(new, parent)?;
        let actor = who.map_or_else(|| "system".to_owned(), |w| w.user_id.0.to_string());
        let audit = jiceng_kernel::audit::records::unit_created(&unit, &actor);
        self.store.insert_unit(&unit, &audit).await?;
        Ok(unit)
    }

    #[tracing::instrument(name = "org.update_unit", skip_all, fields(id = %id))]
    pub async fn update_unit(
        &self,
        who: &Principal,
        id: UnitId,
        patch: UnitPatch,
    ) -> Result<OrgUnit> {
        who.require(Permission::ManageOrg)?;
        let mut unit = self.store.get_unit(id).await?.ok_or_else(unit_not_found)?;
        who.require_at(Permission::ManageOrg, &unit.path, unit_not_found())?;
        let checked = NewOrgUnit::parse(
            unit.parent_id,
            unit.kind,
            patch.name.as_deref().unwrap_or(&unit.name),
            patch.code.as_deref().or(unit.code.as_deref()),
            patch.geometry.or_else(|| unit.geometry.clone()),
        )?;
        unit.name = checked.name;
        unit.code = checked.code;
        unit.geometry = checked.geometry;
        let audit = jiceng_kernel::audit::records::unit_updated(
            &unit,
            &who.user_id.0.to_string(),
            self.clock.now(),
        );
        self.store.update_unit(&unit, &audit).await?;
        Ok(unit)
    }
}
