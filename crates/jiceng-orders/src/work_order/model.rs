use chrono::{DateTime, Utc};
use jiceng_kernel::ids::{OrderId, UserId};
use serde::{Deserialize, Serialize};

/// Where the order is in its loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待派单: registered, in the dispatcher's queue.
    Registered,
    /// 待签收: dispatched to a lead unit, waiting for it to sign for it.
    Dispatched,
    /// 已退单: returned by the unit, waiting for the dispatcher's ruling.
    Returned,
    /// 办理中: signed for and being handled.
    Handling,
    /// 已挂起: clock paused.
    Suspended,
    /// 待审核: reply filed, waiting for the unit leader's review.
    PendingReview,
    /// 已办结: reply released, waiting for the call-back.
    Replied,
    /// 已回访: the citizen was called back.
    Visited,
    /// 已归档: closed; read-only.
    Archived,
    /// 已并案: joined into another order; read-only.
    Merged,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Self::Registered,
        Self::Dispatched,
        Self::Returned,
        Self::Handling,
        Self::Suspended,
        Self::PendingReview,
        Self::Replied,
        Self::Visited,
        Self::Archived,
        Self::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Dispatched => "dispatched",
            Self::Returned => "returned",
            Self::Handling => "handling",
            Self::Suspended => "suspended",
            Self::PendingReview => "pending_review",
            Self::Replied => "replied",
            Self::Visited => "visited",
            Self::Archived => "archived",
            Self::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Registered => "待派单",
            Self::Dispatched => "待签收",
            Self::Returned => "已退单",
            Self::Handling => "办理中",
            Self::Suspended => "已挂起",
            Self::PendingReview => "待审核",
            Self::Replied => "已办结",
            Self::Visited => "已回访",
            Self::Archived => "已归档",
            Self::Merged => "已并案",
        }
    }

    /// Closed orders never change again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Archived | Self::Merged)
    }
}

/// How the demand arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Hotline,
    Web,
    Mobile,
    GridPatrol,
    Open311,
    AlertTask,
    Api,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Self::Hotline,
        Self::Web,
        Self::Mobile,
        Self::GridPatrol,
        Self::Open311,
        Self::AlertTask,
        Self::Api,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hotline => "hotline",
            Self::Web => "web",
            Self::Mobile => "mobile",
            Self::GridPatrol => "grid_patrol",
            Self::Open311 => "open311",
            Self::AlertTask => "alert_task",
            Self::Api => "api",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 一般
    Normal,
    /// 紧急
    Urgent,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Urgent => "urgent",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "normal" => Some(Self::Normal),
            "urgent" => Some(Self::Urgent),
            _ => None,
        }
    }
}

/// The five satisfaction levels of a call-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    /// 非常满意
    VerySatisfied,
    /// 满意
    Satisfied,
    /// 基本满意
    FairlySatisfied,
    /// 不满意
    Unsatisfied,
    /// 非常不满意
    VeryUnsatisfied,
}

impl Satisfaction {
    pub fn is_unsatisfied(self) -> bool {
        matches!(self, Self::Unsatisfied | Self::VeryUnsatisfied)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerySatisfied => "very_satisfied",
            Self::Satisfied => "satisfied",
            Self::FairlySatisfied => "fairly_satisfied",
            Self::Unsatisfied => "unsatisfied",
            Self::VeryUnsatisfied => "very_unsatisfied",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::VerySatisfied,
            Self::Satisfied,
            Self::FairlySatisfied,
            Self::Unsatisfied,
            Self::VeryUnsatisfied,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

pub use jiceng_kernel::org::Assignee;

/// A co-unit's (协办) part of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoUnit {
    pub unit: Assignee,
    pub accepted: bool,
    pub reply: Option<String>,
}

/// A request for more time, waiting for a supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub reason: String,
    pub new_due: DateTime<Utc>,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
}

/// One caller attached to an order (merging adds the duplicates' callers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// The order this caller first reached us through.
    pub via_order: OrderId,
}

/// A citizen demand or discovered event being handled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOrder {
    pub id: OrderId,
    /// Human-readable number, `JC20261124000123`.
    pub number: String,
    pub status: Status,
    pub channel: Channel,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    pub anonymous: bool,
    pub wants_callback: bool,
    pub title: String,
    pub content: String,
    pub category: Option<String>,
    pub urgency: Urgency,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    /// The jurisdiction the demand belongs to (where it happened or was registered).
    pub region: Assignee,
    pub lead: Option<Assignee>,
    pub co_units: Vec<CoUnit>,
    /// Set by an arbitration (审定): the ruling binds, the unit may not return it again.
    pub arbitrated: bool,
    pub transfer_count: u32,
    pub return_count: u32,
    pub reopen_count: u32,
    pub extension: Option<ExtensionRequest>,
    pub handling_due: Option<DateTime<Utc>>,
    pub reply: Option<String>,
    pub satisfaction: Option<Satisfaction>,
    pub merged_into: Option<OrderId>,
    pub extra_callers: Vec<Caller>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic concurrency: bumped by every transition; equals the last history sequence.
    pub version: u32,
    /// The sign-for, handling and call-back clocks (see [`crate::sla`]).
    #[serde(default)]
    pub clocks: crate::sla::OrderClocks,
    /// The responsibility-list duty the order was dispatched under (its list version is kept).
    #[serde(default)]
    pub duty: Option<crate::duty::DutyRef>,
    /// The dispatch engine's latest advice: category, place, suggestions and why.
    #[serde(default)]
    pub routing: Option<crate::routing::Advice>,
    /// The fingerprint of the tracking code (查询码) given to the caller at intake. Stored in
    /// its own column and never in the order's document, so no view or export can carry it.
    #[serde(skip)]
    pub tracking_hash: Option<String>,
}

/// One entry of an order's history, written in the same transaction as the change. The HTTP
/// document describes its payload per action (the server's `history_doc`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// 1, 2, 3, … without gaps; equals the order's version after the change.
    pub seq: u32,
    pub at: DateTime<Utc>,
    pub actor: UserId,
    pub actor_name: String,
    pub action: String,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub payload: serde_json::Value,
}

/// A message to a citizen, written to the outbox in the same transaction as the change that
/// causes it, and delivered (SMS, app push) by a worker that reads the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub order_id: OrderId,
    /// What the notice is about: `merged`, `replied`.
    pub kind: String,
    pub phone: String,
    pub text: String,
}

impl WorkOrder {
    /// Every phone attached to the order: the caller and the callers of merged duplicates,
    /// without the erased ones.
    pub fn caller_phones(&self) -> Vec<String> {
        let mut phones: Vec<String> = self
            .caller_phone
            .iter()
            .chain(self.extra_callers.iter().filter_map(|c| c.phone.as_ref()))
            .filter(|p| p.as_str() != super::erasure::ERASED)
            .cloned()
            .collect();
        phones.sort();
        phones.dedup();
        phones
    }
}
