use crate::Accounts;
use crate::org::unit_not_found;
use crate::ports::UserQuery;
use chrono::{DateTime, Utc};
use jiceng_kernel::access::{Permission, Principal};
use jiceng_kernel::audit::records;
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{UnitId, UserId};
use jiceng_kernel::org::OrgUnit;
use jiceng_kernel::page_size;
use jiceng_kernel::text;
use jiceng_kernel::user::{NewUser, Role, RoleGrant, User, check_password_policy};
use serde::Serialize;
use serde_json::json;

/// A user as another user may see them: the phone is masked unless the viewer may see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub phone_masked: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub roles: Vec<GrantView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub role: Role,
    pub role_label: String,
    pub unit_id: UnitId,
    pub unit_name: String,
}

impl UserView {
    pub fn of(user: User, reveal_phone: bool) -> Self {
        let masked = user.phone.is_some() && !reveal_phone;
        Self {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            phone: user.phone.map(|p| {
                if reveal_phone {
                    p
                } else {
                    text::mask_phone(&p)
                }
            }),
            phone_masked: masked,
            disabled: user.disabled,
            created_at: user.created_at,
            roles: user.grants.into_iter().map(GrantView::of).collect(),
        }
    }
}

impl GrantView {
    fn of(g: RoleGrant) -> Self {
        Self {
            role: g.role,
            role_label: g.role.label_zh().to_owned(),
            unit_id: g.unit_id,
            unit_name: g.unit_name,
        }
    }
}

fn user_not_found() -> Error {
    Error::new(codes::USER_NOT_FOUND, "用户不存在或不在您的管辖范围内")
}

impl Accounts {
    fn may_see(&self, who: &Principal, perm: Permission, user: &User) -> bool {
        let scope = who.scope(perm);
        user.grants.iter().any(|g| scope.contains(&g.unit_path))
    }

    fn view(&self, who: &Principal, user: User) -> UserView {
        let reveal =
            user.id == who.user_id || self.may_see(who, Permission::ViewPersonalData, &user);
        UserView::of(user, reveal)
    }

    #[tracing::instrument(name = "users.list_users", skip_all)]
    pub async fn list_users(
        &self,
        who: &Principal,
        unit: Option<UnitId>,
        role: Option<Role>,
        name_contains: Option<String>,
        after: Option<UserId>,
        limit: Option<u32>,
    ) -> Result<Vec<UserView>> {
        let scope = who.require(Permission::ReadUsers)?;
        let name_contains = text::clean_opt(
            name_contains.as_deref(),
            "姓名",
            32,
            codes::USER_INVALID_QUERY,
        )?;
        let users = self
            .store
            .list_users(&UserQuery {
                scope: scope.into_roots(),
                unit,
                role,
                name_contains,
                after,
                limit: page_size(limit),
            })
            .await?;
        Ok(users.into_iter().map(|u| self.view(who, u)).collect())
    }

    /// One user; everybody may read themselves.
    #[tracing::instrument(name = "users.get_user", skip_all, fields(id = %id))]
    pub async fn get_user(&self, who: &Principal, id: UserId) -> Result<UserView> {
        if id != who.user_id {
            who.require(Permission::ReadUsers)?;
        }
        let user = self.store.get_user(id).await?.ok_or_else(user_not_found)?;
        if id != who.user_id && !self.may_see(who, Permission::ReadUsers, &user) {
            return Err(user_not_found());
        }
        Ok(self.view(who, user))
    }

    /// Resolves and checks the units of the grants: each must be in the caller's scope.
    async fn grant_units(
        &self,
        who: Option<&Principal>,
        grants: &[(Role, UnitId)],
    ) -> Result<Vec<RoleGrant>> {
        let mut out = Vec::with_capacity(grants.len());
        for (role, unit_id) in grants {
            let unit: OrgUnit = self
                .store
                .get_unit(*unit_id)
                .await?
                .ok_or_else(unit_not_found)?;
            if let Some(who) = who {
                who.require_at(Permission::ManageUsers, &unit.path, unit_not_found())?;
            }
            out.push(RoleGrant {
                role: *role,
                unit_id: unit.id,
                unit_name: unit.name,
                unit_path: unit.path,
            });
        }
        Ok(out)
    }

    #[tracing::instrument(name = "users.create_user", skip_all)]
    pub async fn create_user(
        &self,
        who: &Principal,
        new: NewUser,
        password: &str,
    ) -> Result<UserView> {
        who.require(Permission::ManageUsers)?;
        let user = self.insert_user(Some(who), new, password).await?;
        Ok(self.view(who, user))
    }

    /// Creates a user without a caller: for the CLI and the demo.
    #[tracing::instrument(name = "users.system_create_user", skip_all)]
    pub async fn system_create_user(&self, new: NewUser, password: &str) -> Result<User> {
        self.insert_user(None, new, password).await
    }

    async fn insert_user(
        &self,
        who: Option<&Principal>,
        new: NewUser,
        password: &str,
    ) -> Result<User> {
        if new.grants.is_empty() {
            return Err(Error::new(codes::USER_NO_ROLE, "用户至少需要一个角色"));
        }
        let grants = self.grant_units(who, &new.grants).await?;
        check_password_policy(password, new.username.as_str())?;
        let hash = self.secrets.hash_password(password).await?;
        let now = self.clock.now();
        let user = User {
            id: UserId::new_at(now),
            username: new.username.as_str().to_owned(),
            display_name: new.display_name,
            phone: new.phone,
            disabled: false,
            created_at: now,
            grants,
        };
        let actor = who.map_or_else(|| "system".to_owned(), |w| w.user_id.0.to_string());
        let audit = records::user_created(&user, &actor);
        self.store.insert_user(&user, &hash, &audit).await?;
        Ok(user)
    }

    /// Loads a user the caller may manage (every one of their roles is in scope is not needed:
    /// one is enough to find them, but changes to a role need that role's unit in scope).
    async fn managed_user(&self, who: &Principal, id: UserId) -> Result<User> {
        who.require(Permission::ManageUsers)?;
        let user = self.store.get_user(id).await?.ok_or_else(user_not_found)?;
        if !self.may_see(who, Permission::ManageUsers, &user) {
            return Err(user_not_found());
        }
        Ok(user)
    }

    #[tracing::instrument(name = "users.grant_role", skip_all, fields(id = %id))]
    pub async fn grant_role(
        &self,
        who: &Principal,
        id: UserId,
        role: Role,
        unit: UnitId,
    ) -> Result<UserView> {
        let user = self.managed_user(who, id).await?;
        self.grant_units(Some(who), &[(role, unit)]).await?;
        if user
            .grants
            .iter()
            .any(|g| g.role == role && g.unit_id == unit)
        {
            return Err(Error::new(
                codes::USER_DUPLICATE_ROLE,
                "该用户已在此单位拥有此角色",
            ));
        }
        let audit = records::user_changed(
            id,
            "user.grant_role",
            &who.user_id.0.to_string(),
            self.clock.now(),
            json!({"role": role.as_str(), "unit": unit.0}),
        );
        self.store.add_grant(id, role, unit, &audit).await?;
        self.get_user(who, id).await
    }

    #[tracing::instrument(name = "users.revoke_role", skip_all, fields(id = %id))]
    pub async fn revoke_role(
        &self,
        who: &Principal,
        id: UserId,
        role: Role,
        unit: UnitId,
    ) -> Result<UserView> {
        let user = self.managed_user(who, id).await?;
        self.grant_units(Some(who), &[(role, unit)]).await?;
        if user.grants.len() == 1 && user.grants[0].role == role && user.grants[0].unit_id == unit {
            return Err(Error::new(
                codes::USER_LAST_ROLE,
                "不能移除用户的最后一个角色，请改为停用账号",
            ));
        }
        let audit = records::user_changed(
            id,
            "user.revoke_role",
            &who.user_id.0.to_string(),
            self.clock.now(),
            json!({"role": role.as_str(), "unit": unit.0}),
        );
        if !self.store.remove_grant(id, role, unit, &audit).await? {
            return Err(Error::new(
                codes::USER_ROLE_NOT_FOUND,
                "该用户在此单位没有此角色",
            ));
        }
        self.get_user(who, id).await
    }

    #[tracing::instrument(name = "users.set_user_disabled", skip_all, fields(id = %id))]
    pub async fn set_user_disabled(
        &self,
        who: &Principal,
        id: UserId,
        disabled: bool,
    ) -> Result<UserView> {
        if id == who.user_id && disabled {
            return Err(Error::new(codes::USER_SELF_DISABLE, "不能停用自己的账号"));
        }
        self.managed_user(who, id).await?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let audit = records::user_changed(
            id,
            action,
            &who.user_id.0.to_string(),
            self.clock.now(),
            json!({}),
        );
        self.store.set_disabled(id, disabled, &audit).await?;
        if disabled {
            self.store.delete_user_sessions(id, None).await?;
        }
        self.get_user(who, id).await
    }

    /// An administrator sets a new password; all of the user's sessions end.
    #[tracing::instrument(name = "users.reset_password", skip_all, fields(id = %id))]
    pub async fn reset_password(&self, who: &Principal, id: UserId, password: &str) -> Result<()> {
        let user = self.managed_user(who, id).await?;
        self.set_password(&who.user_id.0.to_string(), &user, password)
            .await
    }

    /// Sets a password from the CLI.
    #[tracing::instrument(name = "users.system_set_password", skip_all, fields(user_id = %user.id))]
    pub async fn system_set_password(&self, user: &User, password: &str) -> Result<()> {
        self.set_password("system", user, password).await
    }

    async fn set_password(&self, actor: &str, user: &User, password: &str) -> Result<()> {
        check_password_policy(password, &user.username)?;
        let hash = self.secrets.hash_password(password).await?;
        let audit = records::user_changed(
            user.id,
            "user.set_password",
            actor,
            self.clock.now(),
            json!({}),
        );
        self.store.set_password_hash(user.id, &hash, &audit).await?;
        self.store.delete_user_sessions(user.id, None).await
    }
}
