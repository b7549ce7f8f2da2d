//! The accounts context's storage port: org units, users and their grants, sessions, API
//! tokens and logins. Each change writes its audit record in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::auth::{ApiToken, FailureCounts, SessionRecord};
use jiceng_kernel::error::Result;
use jiceng_kernel::ids::{TokenId, UnitId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit, UnitPath};
use jiceng_kernel::ports::{AuditStore, Backend, ThrottleStore};
use jiceng_kernel::user::{Role, User};

/// Filters for listing units. `scope` empty means no restriction (system callers only).
#[derive(Debug, Clone, Default)]
pub struct UnitQuery {
    pub scope: Vec<UnitPath>,
    pub parent: Option<UnitId>,
    pub kind: Option<OrgKind>,
    pub name_contains: Option<String>,
    /// Keyset cursor: return units whose path sorts after this one.
    pub after_path: Option<String>,
    pub limit: u32,
}

/// Filters for listing users. A user is in scope when any of their roles is held in it.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub scope: Vec<UnitPath>,
    pub unit: Option<UnitId>,
    pub role: Option<Role>,
    pub name_contains: Option<String>,
    pub after: Option<UserId>,
    pub limit: u32,
}

#[async_trait]
pub trait OrgStore: Send + Sync {
    /// Inserts a unit; a duplicate code is `org_unit.duplicate_code` (409).
    async fn insert_unit(&self, unit: &OrgUnit, audit: &AuditRecord) -> Result<()>;
    /// Inserts many units (imports, seeding), each recorded as created by the system.
    async fn insert_units(&self, units: &[OrgUnit]) -> Result<()>;
    async fn get_unit(&self, id: UnitId) -> Result<Option<OrgUnit>>;
    async fn find_unit_by_code(&self, code: &str) -> Result<Option<OrgUnit>>;
    async fn list_units(&self, q: &UnitQuery) -> Result<Vec<OrgUnit>>;
    async fn update_unit(&self, unit: &OrgUnit, audit: &AuditRecord) -> Result<()>;
    async fn count_units(&self) -> Result<u64>;
    /// The counties: the units at the roots of the org trees, by id.
    async fn counties(&self) -> Result<Vec<OrgUnit>>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a user with its grants; a taken username is `user.duplicate_username` (409).
    /// Each change below writes its audit record in the same transaction.
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        audit: &AuditRecord,
    ) -> Result<()>;
    async fn get_user(&self, id: UserId) -> Result<Option<User>>;
    /// The user and the stored password hash, for login.
    async fn find_login(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn list_users(&self, q: &UserQuery) -> Result<Vec<User>>;
    async fn set_password_hash(&self, id: UserId, hash: &str, audit: &AuditRecord) -> Result<()>;
    async fn set_disabled(&self, id: UserId, disabled: bool, audit: &AuditRecord) -> Result<()>;
    async fn add_grant(
        &self,
        id: UserId,
        role: Role,
        unit: UnitId,
        audit: &AuditRecord,
    ) -> Result<()>;
    /// Returns whether a grant was removed (the audit record is written only then).
    async fn remove_grant(
        &self,
        id: UserId,
        role: Role,
        unit: UnitId,
        audit: &AuditRecord,
    ) -> Result<bool>;
    async fn count_users(&self) -> Result<u64>;
}

#[async_trait]
pub trait AuthStore: Send + Sync {
    async fn insert_session(&self, s: &SessionRecord) -> Result<()>;
    async fn get_session(&self, token_hash: &str) -> Result<Option<SessionRecord>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Ends every session of the user except the one given.
    async fn delete_user_sessions(&self, user: UserId, except: Option<&str>) -> Result<()>;
    async fn insert_api_token(&self, t: &ApiToken, token_hash: &str) -> Result<()>;
    async fn get_api_token(&self, token_hash: &str) -> Result<Option<ApiToken>>;
    async fn touch_api_token(&self, id: TokenId, at: DateTime<Utc>) -> Result<()>;
    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>>;
    async fn delete_api_token(&self, user: UserId, id: TokenId) -> Result<bool>;
    /// Records a login attempt, and its audit entry in the same transaction.
    async fn record_login(
        &self,
        username: &str,
        ip: &str,
        success: bool,
        at: DateTime<Utc>,
    ) -> Result<()>;
    async fn last_login_success(&self, username: &str) -> Result<Option<DateTime<Utc>>>;
    async fn login_failures_since(
        &self,
        username: &str,
        ip: &str,
        since: DateTime<Utc>,
    ) -> Result<FailureCounts>;
}

/// Everything the accounts context needs from storage.
pub trait AccountsStore:
    OrgStore + UserStore + AuthStore + AuditStore + ThrottleStore + Backend
{
}

impl<T> AccountsStore for T where
    T: OrgStore + UserStore + AuthStore + AuditStore + ThrottleStore + Backend + ?Sized
{
}
