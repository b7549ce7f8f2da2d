//! The work-order context's storage port and the engines it consults.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_accounts::ports::AccountsStore;
use jiceng_kernel::error::Result;
use jiceng_kernel::ids::{CountyId, UnitId, UserId};
use jiceng_kernel::lease::LeaseStore;
use jiceng_kernel::org::UnitPath;

/// Everything the work-order context needs from storage: its own tables and the accounts'
/// (units and users it routes to and names), the audit log, leases and attempt counts.
pub trait OrdersStore:
    AccountsStore
    + CommitStore
    + WorkOrderStore
    + AttachmentStore
    + crate::sla::SlaStore
    + DutyStore
    + AreaStore
    + crate::learning::ClassifierStore
    + crate::duplicates::DuplicateStore
    + PersonalDataStore
    + LeaseStore
{
}

impl<T> OrdersStore for T where
    T: AccountsStore
        + CommitStore
        + WorkOrderStore
        + AttachmentStore
        + crate::sla::SlaStore
        + DutyStore
        + AreaStore
        + crate::learning::ClassifierStore
        + crate::duplicates::DuplicateStore
        + PersonalDataStore
        + LeaseStore
        + ?Sized
{
}

/// Filters for listing work orders. An order is in `scope` when its region, lead unit or one
/// of its co-units lies in one of the subtrees.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    pub scope: Vec<UnitPath>,
    /// The counties read: these and those of `scope`'s units. None at all reads nothing.
    pub counties: Vec<CountyId>,
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
        county: CountyId,
        id: jiceng_kernel::ids::OrderId,
    ) -> Result<Option<crate::work_order::WorkOrder>>;
    /// The fingerprints of the tracking codes of these orders (those that have one).
    async fn tracking_hashes(
        &self,
        county: CountyId,
        ids: &[jiceng_kernel::ids::OrderId],
    ) -> Result<Vec<(jiceng_kernel::ids::OrderId, String)>>;
    async fn find_order_by_number(
        &self,
        county: CountyId,
        number: &str,
    ) -> Result<Option<crate::work_order::WorkOrder>>;
    async fn order_history(
        &self,
        county: CountyId,
        id: jiceng_kernel::ids::OrderId,
    ) -> Result<Vec<crate::work_order::HistoryEntry>>;
    async fn list_orders(&self, q: &OrderQuery) -> Result<Vec<crate::work_order::WorkOrder>>;
    async fn count_orders(&self, county: CountyId) -> Result<u64>;
    /// Notices waiting in the outbox for delivery, oldest first.
    async fn pending_notices(
        &self,
        county: CountyId,
        limit: u32,
    ) -> Result<Vec<crate::work_order::Notice>>;
}

/// A citizen's orders by phone, and the records of erasures (个人信息保护法). The erasure
/// itself is written by [`CommitStore::commit`] with the changed orders.
#[async_trait]
pub trait PersonalDataStore: Send + Sync {
    /// The orders whose region or lead unit lies in `scope` and that may name `phone` as a
    /// caller or a merged caller, oldest first. It may return more (the phone in the text):
    /// the caller checks each order.
    async fn orders_with_phone(
        &self,
        scope: &[UnitPath],
        phone: &str,
    ) -> Result<Vec<crate::work_order::WorkOrder>>;
    /// The redaction records of an order, oldest first.
    async fn order_redactions(
        &self,
        county: CountyId,
        order: jiceng_kernel::ids::OrderId,
    ) -> Result<Vec<crate::effects::RedactionRecord>>;
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
        county: CountyId,
        meta: &crate::work_order::attachment::Attachment,
        data: &[u8],
        max: usize,
    ) -> Result<()>;
    async fn list_attachments(
        &self,
        county: CountyId,
        order: jiceng_kernel::ids::OrderId,
    ) -> Result<Vec<crate::work_order::attachment::Attachment>>;
    async fn get_attachment(
        &self,
        county: CountyId,
        order: jiceng_kernel::ids::OrderId,
        id: jiceng_kernel::ids::AttachmentId,
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
        county: CountyId,
        id: jiceng_kernel::ids::DutyListId,
    ) -> Result<Option<crate::duty::DutyList>>;
    /// The versions of a unit's list, newest first, without their duties.
    async fn list_duty_lists(&self, unit: UnitId) -> Result<Vec<crate::duty::DutyListInfo>>;
    /// Publishes a draft with its effective date and sets the statuses given, in one
    /// transaction. A version that is no longer a draft is `duty_list.not_draft` (409).
    async fn publish_duty_list(
        &self,
        county: CountyId,
        id: jiceng_kernel::ids::DutyListId,
        effective: chrono::NaiveDate,
        at: DateTime<Utc>,
        statuses: &[(jiceng_kernel::ids::DutyListId, crate::duty::DutyListStatus)],
    ) -> Result<()>;
}

/// Outlines and alternative names of units, for location routing (see [`crate::locator`]).
#[async_trait]
pub trait AreaStore: Send + Sync {
    /// Stores each unit's outline, replacing any it had, in one transaction.
    async fn put_areas(&self, areas: &[crate::locator::UnitArea]) -> Result<()>;
    async fn list_areas(&self, county: CountyId) -> Result<Vec<crate::locator::UnitArea>>;
    /// Replaces the aliases of a unit (road names, former names) the address matcher knows.
    async fn set_unit_aliases(&self, unit: UnitId, aliases: &[String]) -> Result<()>;
    /// Every alias, by unit.
    async fn list_unit_aliases(&self, county: CountyId) -> Result<Vec<(UnitId, String)>>;
}
