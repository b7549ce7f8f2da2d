//! The work-order context's storage port and the engines it consults.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_accounts::ports::AccountsStore;
use jiceng_kernel::error::Result;
use jiceng_kernel::ids::{UnitId, UserId};
use jiceng_kernel::lease::LeaseStore;
use jiceng_kernel::org::UnitPath;

/// Everything the work-order context needs from storage: its own tables and the accounts'
/// (units and users it routes to and names), the audit log, leases and attempt counts.
pub trait OrdersStore:
    AccountsStore
    + WorkOrderStore
    + AttachmentStore
    + crate::sla::SlaStore
    + DutyStore
    + AreaStore
    + crate::learning::ClassifierStore
    + crate::duplicates::DuplicateStore
    + LeaseStore
{
}

impl<T> OrdersStore for T where
    T: AccountsStore
        + WorkOrderStore
        + AttachmentStore
        + crate::sla::SlaStore
        + DutyStore
        + AreaStore
        + crate::learning::ClassifierStore
        + crate::duplicates::DuplicateStore
        + LeaseStore
        + ?Sized
{
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

/// How an insert with an idempotency key ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// A new order, with its number.
    Created(String),
    /// The key was used before with the same request: the order it created then.
    Replayed(jiceng_kernel::ids::OrderId),
}

/// A client's idempotency key and the fingerprint of the request it came with: a key used
/// again with another request is `idempotency.key_reused` (422), not a replay.
#[derive(Debug, Clone, Copy)]
pub struct IdempotencyKey<'a> {
    pub user: UserId,
    pub key: &'a str,
    pub request_hash: &'a str,
}

/// One stored change of an order: the version it was read at, and the outcome.
#[derive(Debug, Clone)]
pub struct OrderChange {
    pub expected_version: u32,
    pub order: crate::work_order::WorkOrder,
    pub entry: crate::work_order::HistoryEntry,
    /// Citizens to inform of this change, through the outbox.
    pub notices: Vec<crate::work_order::Notice>,
    /// Escalation records the change issues; each order, clock generation and step takes one
    /// at most (a second is `work_order.version_conflict`, and nothing is written).
    pub escalations: Vec<crate::sla::Escalation>,
}

#[async_trait]
pub trait WorkOrderStore: Send + Sync {
    /// Inserts a new order and its first history entry, numbering it `{number_prefix}NNNNNN`
    /// from the day's counter in the same transaction. With an idempotency key already used
    /// by the same user for the same request, inserts nothing and returns the earlier order;
    /// for another request, `idempotency.key_reused`. Also stores `order.tracking_hash`.
    async fn insert_order(
        &self,
        order: &crate::work_order::WorkOrder,
        entry: &crate::work_order::HistoryEntry,
        number_prefix: &str,
        idempotency: Option<IdempotencyKey<'_>>,
        // The order's text sketch for duplicate detection, stored in the same transaction.
        sketch: Option<&crate::duplicates::OrderSketch>,
    ) -> Result<Inserted>;
    async fn get_order(
        &self,
        id: jiceng_kernel::ids::OrderId,
    ) -> Result<Option<crate::work_order::WorkOrder>>;
    /// The fingerprints of the tracking codes of these orders (those that have one).
    async fn tracking_hashes(
        &self,
        ids: &[jiceng_kernel::ids::OrderId],
    ) -> Result<Vec<(jiceng_kernel::ids::OrderId, String)>>;
    async fn find_order_by_number(
        &self,
        number: &str,
    ) -> Result<Option<crate::work_order::WorkOrder>>;
    /// Applies changes to one or more orders in one transaction. If any order's stored
    /// version is not the expected one, nothing is written: `work_order.version_conflict` (409).
    async fn apply_changes(&self, changes: &[OrderChange]) -> Result<()>;
    async fn order_history(
        &self,
        id: jiceng_kernel::ids::OrderId,
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
        order: jiceng_kernel::ids::OrderId,
    ) -> Result<Vec<crate::work_order::attachment::Attachment>>;
    async fn get_attachment(
        &self,
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
        id: jiceng_kernel::ids::DutyListId,
    ) -> Result<Option<crate::duty::DutyList>>;
    /// The versions of a unit's list, newest first, without their duties.
    async fn list_duty_lists(&self, unit: UnitId) -> Result<Vec<crate::duty::DutyListInfo>>;
    /// Publishes a draft with its effective date and sets the statuses given, in one
    /// transaction. A version that is no longer a draft is `duty_list.not_draft` (409).
    async fn publish_duty_list(
        &self,
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
    async fn list_areas(&self) -> Result<Vec<crate::locator::UnitArea>>;
    /// Replaces the aliases of a unit (road names, former names) the address matcher knows.
    async fn set_unit_aliases(&self, unit: UnitId, aliases: &[String]) -> Result<()>;
    /// Every alias, by unit.
    async fn list_unit_aliases(&self) -> Result<Vec<(UnitId, String)>>;
}
