//! The work-order use cases: intake ([`register`]), lists and inboxes ([`queries`]),
//! transitions ([`act`]), merge ([`merge`]) and attachments ([`attachments`]); here what they
//! share: what the caller is to an order, who sees it, and the errors they answer with.

mod act;
mod attachments;
mod merge;
mod queries;
mod register;

pub use act::ActRequest;
pub use queries::{EXPORT_MAX_ROWS, Inbox, InboxPage};
pub use register::Registration;

use super::Orders;
use crate::work_order::machine::{Action, available};
use crate::work_order::register::order_number;
use crate::work_order::{Assignee, Capacity, WorkOrder};
use chrono::FixedOffset;
use jiceng_accounts::unit_not_found;
use jiceng_kernel::access::{Permission, Principal};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::UnitId;

/// Local time of the jurisdiction for order numbers (Asia/Shanghai has no daylight saving).
fn local_tz() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc))
}

pub fn order_not_found() -> Error {
    Error::new(
        codes::WORK_ORDER_NOT_FOUND,
        "工单不存在或不在您的管辖范围内",
    )
}

impl Orders {
    /// What the caller is to this order.
    pub fn capacity(&self, who: &Principal, o: &WorkOrder) -> Capacity {
        // Over the order: its region or its lead unit is in the permission's scope.
        let over = |perm: Permission| {
            let scope = who.scope(perm);
            scope.contains(&o.region.unit_path)
                || o.lead
                    .as_ref()
                    .is_some_and(|l| scope.contains(&l.unit_path))
        };
        let unit_staff = who.scope(Permission::HandleOrders);
        let leaders = who.scope(Permission::ReviewReplies);
        Capacity {
            user: Some(who.user_id),
            user_name: who.username.clone(),
            dispatcher: over(Permission::DispatchOrders),
            operator: over(Permission::FollowUpOrders),
            lead_staff: o
                .lead
                .as_ref()
                .is_some_and(|l| unit_staff.contains(&l.unit_path)),
            lead_leader: o
                .lead
                .as_ref()
                .is_some_and(|l| leaders.contains(&l.unit_path)),
            co_units: o
                .co_units
                .iter()
                .filter(|c| unit_staff.contains(&c.unit.unit_path))
                .map(|c| c.unit.unit_id)
                .collect(),
            supervisor: over(Permission::DecideExtensions),
            owner: filed_by(who, o),
        }
    }

    pub(super) fn visible(&self, who: &Principal, o: &WorkOrder) -> bool {
        if o.created_by == who.user_id {
            return true;
        }
        let scope = who.scope(Permission::ReadOrders);
        scope.contains(&o.region.unit_path)
            || o.lead
                .as_ref()
                .is_some_and(|l| scope.contains(&l.unit_path))
            || o.co_units.iter().any(|c| scope.contains(&c.unit.unit_path))
    }

    /// Whether the caller may see callers' contact data on this order.
    pub fn may_see_contact(&self, who: &Principal, o: &WorkOrder) -> bool {
        if o.created_by == who.user_id {
            return true;
        }
        let scope = who.scope(Permission::ViewCallerContact);
        scope.contains(&o.region.unit_path)
            || o.lead
                .as_ref()
                .is_some_and(|l| scope.contains(&l.unit_path))
    }

    /// The actions the caller may take on the order now.
    pub fn available_actions(&self, who: &Principal, o: &WorkOrder) -> Vec<Action> {
        available(o, &self.capacity(who, o))
    }

    async fn assignee(&self, id: UnitId, scope: &jiceng_kernel::access::Scope) -> Result<Assignee> {
        let unit = self.store.get_unit(id).await?.ok_or_else(unit_not_found)?;
        if !scope.contains(&unit.path) {
            return Err(unit_not_found());
        }
        Ok(Assignee {
            unit_id: unit.id,
            unit_name: unit.name,
            unit_path: unit.path,
        })
    }
}

/// The actor recorded for what the system does on its own (automatic dispatch).
pub(crate) const SYSTEM_USER: jiceng_kernel::ids::UserId =
    jiceng_kernel::ids::UserId(uuid::Uuid::nil());

/// One notice for each phone attached to the order.
fn notices_to(o: &WorkOrder, kind: &str, text: &str) -> Vec<crate::work_order::Notice> {
    o.caller_phones()
        .into_iter()
        .map(|phone| crate::work_order::Notice {
            order_id: o.id,
            kind: kind.to_owned(),
            phone,
            text: text.to_owned(),
        })
        .collect()
}

pub fn version_conflict() -> Error {
    Error::new(
        codes::WORK_ORDER_VERSION_CONFLICT,
        "工单已被他人处理，请刷新后重试",
    )
}

/// The order number a new order will get for `seq` today (exposed for tests and tools).
pub fn number_for(now: chrono::DateTime<chrono::Utc>, seq: u64) -> String {
    order_number(now, local_tz(), seq)
}

/// Whether `o` is the caller's own demand, filed by them as a citizen. Lists and the answers
/// to transitions show contact data in full only then; staff open the order itself to see it,
/// and that read is recorded.
pub fn filed_by(who: &Principal, o: &WorkOrder) -> bool {
    o.created_by == who.user_id && who.holds(Permission::ActOnOwnOrders)
}

/// Records the duty an order is dispatched under, on the order and in the history entry.
fn set_duty(out: &mut crate::work_order::Outcome, duty: Option<crate::duty::DutyRef>) {
    out.order.duty = duty;
    if let (Some(d), Some(p)) = (duty, out.entry.payload.as_object_mut()) {
        p.insert("duty".into(), serde_json::json!(d));
    }
}
