//! What can be asked of a work order: the commands with their data, the actions they name
//! (with their Chinese labels) and the reasons a unit may give for a return. The rule book
//! that decides them is [`super::machine`].

use super::model::*;
use chrono::{DateTime, Utc};
use jiceng_kernel::ids::{OrderId, UnitId};
use serde::{Deserialize, Serialize};
/// Why a unit returns an order (退单理由).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// 非本单位职责 (needs the legal basis)
    NotOurDuty,
    /// 不在本单位辖区
    OutsideJurisdiction,
    /// 诉求信息不全，无法办理
    InsufficientInformation,
    /// 重复工单
    Duplicate,
}

impl ReturnReason {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::NotOurDuty => "非本单位职责",
            Self::OutsideJurisdiction => "不在本单位辖区",
            Self::InsufficientInformation => "诉求信息不全",
            Self::Duplicate => "重复工单",
        }
    }
}

/// What somebody wants to do to an order.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Dispatch {
        lead: Assignee,
        co_units: Vec<Assignee>,
        note: Option<String>,
    },
    Arbitrate {
        lead: Assignee,
        ruling: String,
    },
    Accept,
    AcceptCo {
        unit: UnitId,
    },
    Return {
        reason: ReturnReason,
        legal_basis: Option<String>,
        explanation: String,
    },
    Note {
        text: String,
    },
    RequestExtension {
        reason: String,
        new_due: DateTime<Utc>,
    },
    DecideExtension {
        approve: bool,
        comment: Option<String>,
    },
    Suspend {
        reason: String,
    },
    Resume {
        note: Option<String>,
    },
    Reply {
        text: String,
        review: bool,
    },
    CoReply {
        unit: UnitId,
        text: String,
    },
    Review {
        approve: bool,
        comment: Option<String>,
    },
    FollowUp {
        satisfaction: Satisfaction,
        solved: bool,
        unit_at_fault: bool,
        comment: Option<String>,
    },
    Archive {
        note: Option<String>,
    },
    MergeInto {
        master: OrderId,
        master_number: String,
    },
    Absorb {
        duplicate: OrderId,
        duplicate_number: String,
        callers: Vec<Caller>,
    },
    /// A dispatcher puts the order under another category (a checked taxonomy label); the
    /// status does not change. Reached through the category correction, which also keeps the
    /// example for the classifier.
    Recategorize {
        category: String,
    },
}

/// The names of the actions, for messages, history and "what may happen next".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Register,
    Dispatch,
    Arbitrate,
    Accept,
    AcceptCo,
    Return,
    Note,
    RequestExtension,
    DecideExtension,
    Suspend,
    Resume,
    Reply,
    CoReply,
    Review,
    FollowUp,
    Archive,
    Merge,
    Absorb,
    Recategorize,
}

impl Action {
    pub const ALL: [Action; 18] = [
        Self::Dispatch,
        Self::Arbitrate,
        Self::Accept,
        Self::AcceptCo,
        Self::Return,
        Self::Note,
        Self::RequestExtension,
        Self::DecideExtension,
        Self::Suspend,
        Self::Resume,
        Self::Reply,
        Self::CoReply,
        Self::Review,
        Self::FollowUp,
        Self::Archive,
        Self::Merge,
        Self::Absorb,
        Self::Recategorize,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Dispatch => "dispatch",
            Self::Arbitrate => "arbitrate",
            Self::Accept => "accept",
            Self::AcceptCo => "accept_co",
            Self::Return => "return",
            Self::Note => "note",
            Self::RequestExtension => "request_extension",
            Self::DecideExtension => "decide_extension",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Reply => "reply",
            Self::CoReply => "co_reply",
            Self::Review => "review",
            Self::FollowUp => "follow_up",
            Self::Archive => "archive",
            Self::Merge => "merge",
            Self::Absorb => "absorb",
            Self::Recategorize => "recategorize",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Register => "受理",
            Self::Dispatch => "派单",
            Self::Arbitrate => "审定",
            Self::Accept => "签收",
            Self::AcceptCo => "协办签收",
            Self::Return => "退单",
            Self::Note => "办理进展",
            Self::RequestExtension => "申请延期",
            Self::DecideExtension => "审批延期",
            Self::Suspend => "挂起",
            Self::Resume => "恢复办理",
            Self::Reply => "办结答复",
            Self::CoReply => "协办答复",
            Self::Review => "审核答复",
            Self::FollowUp => "回访",
            Self::Archive => "归档",
            Self::Merge => "并案",
            Self::Absorb => "并入重复件",
            Self::Recategorize => "改分类",
        }
    }
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Self::Dispatch { .. } => Action::Dispatch,
            Self::Arbitrate { .. } => Action::Arbitrate,
            Self::Accept => Action::Accept,
            Self::AcceptCo { .. } => Action::AcceptCo,
            Self::Return { .. } => Action::Return,
            Self::Note { .. } => Action::Note,
            Self::RequestExtension { .. } => Action::RequestExtension,
            Self::DecideExtension { .. } => Action::DecideExtension,
            Self::Suspend { .. } => Action::Suspend,
            Self::Resume { .. } => Action::Resume,
            Self::Reply { .. } => Action::Reply,
            Self::CoReply { .. } => Action::CoReply,
            Self::Review { .. } => Action::Review,
            Self::FollowUp { .. } => Action::FollowUp,
            Self::Archive { .. } => Action::Archive,
            Self::MergeInto { .. } => Action::Merge,
            Self::Absorb { .. } => Action::Absorb,
            Self::Recategorize { .. } => Action::Recategorize,
        }
    }
}
