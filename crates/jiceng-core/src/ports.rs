//! Ports: what the domain needs from storage and from cryptography.

use crate::audit::chain::AuditRecord;
use crate::auth::{ApiToken, FailureCounts, SessionRecord};
use crate::error::Result;
use crate::ids::{TokenId, UnitId, UserId};
use crate::org::{OrgKind, OrgUnit, UnitPath};
use crate::user::{Role, User};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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

/// The append-only audit log. Changes write their entries in their own transaction (the
/// stores of users, units, logins and work orders do it); this port adds standalone entries
/// (reads of personal data) and reads the log for checkpoints, proofs and verification.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, records: &[crate::audit::chain::AuditRecord]) -> Result<()>;
    /// The number of entries in the log (the head's sequence number).
    async fn audit_size(&self) -> Result<u64>;
    /// Entries numbered after `after`, in order, at most `limit`. A payload that is no
    /// longer JSON comes back as a JSON string of its text, so that it fails its hash.
    async fn audit_page(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<crate::audit::chain::AuditEntry>>;
    /// Hands each stored entry numbered after `after` to `visit`, in order and exactly as
    /// stored, until `visit` breaks or the log ends. For walking the whole log: the store
    /// reads ahead while `visit` hashes, and nothing is decoded or checked on the way.
    async fn audit_scan(
        &self,
        after: u64,
        visit: &mut (
                 dyn for<'r> FnMut(
            crate::audit::chain::StoredEntry<'r>,
        ) -> std::ops::ControlFlow<()>
                     + Send
             ),
    ) -> Result<()>;
    /// All entries about one object, in order.
    async fn audit_for_object(&self, object: &str) -> Result<Vec<crate::audit::chain::AuditEntry>>;
    /// The stored hashes of entries 1..=size, in order.
    async fn audit_leaves(&self, size: u64) -> Result<Vec<crate::audit::Hash>>;
    /// Stores a checkpoint; false if one of that size exists already.
    async fn insert_checkpoint(
        &self,
        cp: &crate::audit::checkpoint::StoredCheckpoint,
    ) -> Result<bool>;
    /// All checkpoints, smallest first.
    async fn checkpoints(&self) -> Result<Vec<crate::audit::checkpoint::StoredCheckpoint>>;
    async fn latest_checkpoint(&self)
    -> Result<Option<crate::audit::checkpoint::StoredCheckpoint>>;
}

/// The whole storage port.
#[async_trait]
pub trait Store:
    OrgStore
    + UserStore
    + AuthStore
    + CommitStore
    + WorkOrderStore
    + AttachmentStore
    + AuditStore
    + crate::sla::SlaStore
    + DutyStore
    + AreaStore
    + crate::learning::ModelStore
    + crate::duplicates::DuplicateStore
    + crate::lease::LeaseStore
    + ThrottleStore
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// A cheap round trip, for health checks.
    async fn ping(&self) -> Result<()>;
}

/// Attempt counts (see [`crate::throttle`]), changed only by compare-and-swap so that
/// concurrent requests and several servers on one database never both take the last free try.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    async fn read_tally(&self, scope: &str, key: &str) -> Result<Option<crate::throttle::Tally>>;
    /// Replaces `old` (`None`: no row yet) with `new`; `false` when the row is no longer `old`.
    async fn swap_tally(
        &self,
        scope: &str,
        key: &str,
        old: Option<crate::throttle::Tally>,
        new: crate::throttle::Tally,
    ) -> Result<bool>;
}

/// Password hashing and secret generation, kept out of the domain's dependencies.
#[async_trait]
pub trait Secrets: Send + Sync {
    async fn hash_password(&self, password: &str) -> Result<String>;
    async fn verify_password(&self, password: &str, hash: &str) -> bool;
    /// A fresh random secret, URL-safe.
    fn random_token(&self) -> String;
    /// A one-way fingerprint of a secret token, for storage (SHA-256, hex).
    fn fingerprint(&self, token: &str) -> String;
}

/// Filters for listing work orders. An order is in `scope` when its region, lead unit or one
/// of its co-units lies in one of the subtrees.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    pub scope: Vec<UnitPath>,
    /// Only orders created by this user (a citizen's own orders).
    pub created_by: Option<UserId>,
    /// Only orders whose lead unit lies in these subtrees (inboxes of handling units).
    pub lead_scope: Option<Vec<UnitPath>>,
    /// Orders to sign for in these subtrees: dispatched with the lead unit there, or with a
    /// co-unit part there not yet signed for while the order is open.
    pub to_sign_scope: Option<Vec<UnitPath>>,
    pub statuses: Vec<crate::work_order::Status>,
    pub lead_unit: Option<UnitId>,
    pub category: Option<String>,
    pub channel: Option<crate::work_order::Channel>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Only orders whose handling deadline passed before this instant and are still open.
    pub overdue_at: Option<DateTime<Utc>>,
    pub pending_extension: bool,
    pub text: Option<String>,
    /// Newest first (the default) or by the open deadline.
    pub sort: crate::work_order::OrderSort,
    /// Keyset cursor: the orders that follow this one in `sort` order.
    pub cursor: Option<crate::work_order::OrderCursor>,
    pub limit: u32,
}

/// The one write of a use case: its [`Effects`](crate::effects::Effects), all in one
/// transaction or none of it.
#[async_trait]
pub trait CommitStore: Send + Sync {
    /// Writes the effects in one transaction. New subjects are numbered in it; a changed
    /// subject no longer at the version it was read at, or an escalation step stored before,
    /// is `work_order.version_conflict` (409) and nothing is written; so is a fired step of
    /// a standalone clock whose row moved on. With an idempotency key used before by the same
    /// user for the same request, nothing is written and the answer is
    /// [`Committed::Replayed`](crate::effects::Committed::Replayed) with the order it created
    /// then; for another request, `idempotency.key_reused` (422).
    async fn commit(&self, effects: &crate::effects::Effects) -> Result<crate::effects::Committed>;
}

#[async_trait]
pub trait WorkOrderStore: Send + Sync {
    async fn get_order(
        &self,
        id: crate::ids::OrderId,
    ) -> Result<Option<crate::work_order::WorkOrder>>;
    /// The fingerprints of the tracking codes of these orders (those that have one).
    async fn tracking_hashes(
        &self,
        ids: &[crate::ids::OrderId],
    ) -> Result<Vec<(crate::ids::OrderId, String)>>;
    async fn find_order_by_number(
        &self,
        number: &str,
    ) -> Result<Option<crate::work_order::WorkOrder>>;
    async fn order_history(
        &self,
        id: crate::ids::OrderId,
    ) -> Result<Vec<crate::work_order::HistoryEntry>>;
    async fn list_orders(&self, q: &OrderQuery) -> Result<Vec<crate::work_order::WorkOrder>>;
    async fn count_orders(&self) -> Result<u64>;
    /// Notices waiting in the outbox for delivery, oldest first.
    async fn pending_notices(&self, limit: u32) -> Result<Vec<crate::work_order::Notice>>;
}

/// A suggested lead unit for an order, with how sure the advisor is and why.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchSuggestion {
    pub unit: UnitId,
    /// Calibrated probability that this unit is right, 0–1.
    pub confidence: f64,
    /// Why, in words a dispatcher can check (duty, rule, grid, model confidence).
    pub explanation: String,
}

/// Proposes lead units for a newly registered order (the classification and routing engine).
/// Above the configured confidence the order is dispatched at once; below, it waits in the
/// dispatcher's queue.
#[async_trait]
pub trait DispatchAdvisor: Send + Sync {
    /// Suggestions, best first.
    async fn suggest(
        &self,
        order: &crate::work_order::WorkOrder,
    ) -> Result<Vec<DispatchSuggestion>>;
}

#[async_trait]
pub trait AttachmentStore: Send + Sync {
    /// Stores an attachment unless the order already has `max` of them (`attachment.too_many`).
    async fn insert_attachment(
        &self,
        meta: &crate::work_order::attachment::Attachment,
        data: &[u8],
        max: usize,
    ) -> Result<()>;
    async fn list_attachments(
        &self,
        order: crate::ids::OrderId,
    ) -> Result<Vec<crate::work_order::attachment::Attachment>>;
    async fn get_attachment(
        &self,
        order: crate::ids::OrderId,
        id: crate::ids::AttachmentId,
    ) -> Result<Option<(crate::work_order::attachment::Attachment, Vec<u8>)>>;
}

// Responsibility lists (权责清单).

/// The versions of each jurisdiction's responsibility list and their duties.
#[async_trait]
pub trait DutyStore: Send + Sync {
    /// Stores a new version with its duties in one transaction; a version number already taken
    /// for the unit is `duty_list.version_taken` (409).
    async fn insert_duty_list(&self, list: &crate::duty::DutyList) -> Result<()>;
    async fn get_duty_list(
        &self,
        id: crate::ids::DutyListId,
    ) -> Result<Option<crate::duty::DutyList>>;
    /// The versions of a unit's list, newest first, without their duties.
    async fn list_duty_lists(&self, unit: UnitId) -> Result<Vec<crate::duty::DutyListInfo>>;
    /// Publishes a draft with its effective date and sets the statuses given, in one
    /// transaction. A version that is no longer a draft is `duty_list.not_draft` (409).
    async fn publish_duty_list(
        &self,
        id: crate::ids::DutyListId,
        effective: chrono::NaiveDate,
        at: DateTime<Utc>,
        statuses: &[(crate::ids::DutyListId, crate::duty::DutyListStatus)],
    ) -> Result<()>;
}

/// Outlines and alternative names of units, for location routing (see [`crate::locator`]).
#[async_trait]
pub trait AreaStore: Send + Sync {
    /// Stores each unit's outline, replacing any it had, in one transaction.
    async fn put_areas(&self, areas: &[crate::locator::UnitArea]) -> Result<()>;
    async fn list_areas(&self) -> Result<Vec<crate::locator::UnitArea>>;
    /// Replaces the aliases of a unit (road names, former names) the address matcher knows.
    async fn set_unit_aliases(&self, unit: UnitId, aliases: &[String]) -> Result<()>;
    /// Every alias, by unit.
    async fn list_unit_aliases(&self) -> Result<Vec<(UnitId, String)>>;
}
