//! How a work order is shown: contact data masked unless the caller may see it, and the
//! actions the caller may take now.

use chrono::{DateTime, Utc};
use jiceng_kernel::access::{Permission, Principal};
use jiceng_kernel::ids::{OrderId, UnitId};
use jiceng_kernel::text::{mask_name, mask_phone};
use jiceng_orders::sla::{ClockKind, Level};
use jiceng_orders::use_cases::Orders;
use jiceng_orders::work_order::erasure::ERASED;
use jiceng_orders::work_order::machine::Action;
use jiceng_orders::work_order::{
    Assignee, Channel, HistoryEntry, Satisfaction, Status, Urgency, WorkOrder,
};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub unit_id: UnitId,
    pub unit_name: String,
}

impl From<&Assignee> for UnitRef {
    fn from(a: &Assignee) -> Self {
        Self {
            unit_id: a.unit_id,
            unit_name: a.unit_name.clone(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoUnitView {
    pub unit_id: UnitId,
    pub unit_name: String,
    pub accepted: bool,
    pub reply: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExtensionView {
    pub reason: String,
    pub new_due: DateTime<Utc>,
    pub requested_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallerView {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub via_order: OrderId,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkOrderView {
    pub id: OrderId,
    pub number: String,
    pub status: Status,
    pub status_label: String,
    pub channel: Channel,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    /// True when contact data above is masked for this viewer.
    pub contact_masked: bool,
    pub anonymous: bool,
    pub wants_callback: bool,
    pub title: String,
    pub content: String,
    pub category: Option<String>,
    pub urgency: Urgency,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    pub region: UnitRef,
    pub lead: Option<UnitRef>,
    pub co_units: Vec<CoUnitView>,
    pub arbitrated: bool,
    pub transfer_count: u32,
    pub return_count: u32,
    pub reopen_count: u32,
    pub extension: Option<ExtensionView>,
    pub handling_due: Option<DateTime<Utc>>,
    pub reply: Option<String>,
    pub satisfaction: Option<Satisfaction>,
    pub merged_into: Option<OrderId>,
    pub extra_callers: Vec<CallerView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send back as `version` with a transition to make sure nobody acted in between.
    pub version: u32,
    /// What the viewer may do now.
    pub available_actions: Vec<Action>,
    /// The running clock (sign-for, handling or call-back) and its colour now; details at
    /// `/work-orders/{id}/clocks`.
    pub clock: Option<ClockKind>,
    pub clock_level: Option<Level>,
    pub clock_deadline: Option<DateTime<Utc>>,
    /// The responsibility-list duty (and list version) the order was dispatched under.
    pub duty: Option<jiceng_orders::duty::DutyRef>,
    /// The dispatch engine's advice: category, place, up to three suggestions with their
    /// reasons, and why it was or was not dispatched automatically. Staff only.
    pub routing: Option<jiceng_orders::routing::Advice>,
}

impl WorkOrderView {
    /// The order as `who` sees it; contact data in full only if `reveal` (see
    /// [`Orders::reveal_contact`], which records the read).
    pub fn of(orders: &Orders, who: &Principal, o: WorkOrder, reveal: bool) -> Self {
        // An erased field shows its marker: there is nothing left to mask.
        let shown = |v: &String| reveal || v == ERASED;
        let name = |n: Option<String>| n.map(|n| if shown(&n) { n } else { mask_name(&n) });
        let phone = |p: Option<String>| p.map(|p| if shown(&p) { p } else { mask_phone(&p) });
        let available_actions = orders.available_actions(who, &o);
        let running = o.clocks.iter().find(|c| c.stopped_at.is_none());
        let clock = running.map(|c| c.kind);
        let clock_level = running.map(|c| c.level_at(orders.clock.now()));
        let clock_deadline = running.map(|c| c.deadline);
        let routing = if who.holds(Permission::ReadOrders) {
            o.routing
        } else {
            None
        };
        Self {
            duty: o.duty,
            routing,
            id: o.id,
            number: o.number,
            status: o.status,
            status_label: o.status.label_zh().to_owned(),
            channel: o.channel,
            contact_masked: !reveal
                && [&o.caller_name, &o.caller_phone]
                    .into_iter()
                    .any(|v| v.as_ref().is_some_and(|v| v != ERASED)),
            caller_name: name(o.caller_name),
            caller_phone: phone(o.caller_phone),
            anonymous: o.anonymous,
            wants_callback: o.wants_callback,
            title: o.title,
            content: o.content,
            category: o.category,
            urgency: o.urgency,
            latitude: o.latitude,
            longitude: o.longitude,
            address: o.address,
            region: UnitRef::from(&o.region),
            lead: o.lead.as_ref().map(UnitRef::from),
            co_units: o
                .co_units
                .iter()
                .map(|c| CoUnitView {
                    unit_id: c.unit.unit_id,
                    unit_name: c.unit.unit_name.clone(),
                    accepted: c.accepted,
                    reply: c.reply.clone(),
                })
                .collect(),
            arbitrated: o.arbitrated,
            transfer_count: o.transfer_count,
            return_count: o.return_count,
            reopen_count: o.reopen_count,
            extension: o.extension.map(|e| ExtensionView {
                reason: e.reason,
                new_due: e.new_due,
                requested_at: e.requested_at,
            }),
            handling_due: o.handling_due,
            reply: o.reply,
            satisfaction: o.satisfaction,
            merged_into: o.merged_into,
            extra_callers: o
                .extra_callers
                .into_iter()
                .map(|c| CallerView {
                    name: name(c.name),
                    phone: phone(c.phone),
                    via_order: c.via_order,
                })
                .collect(),
            created_at: o.created_at,
            updated_at: o.updated_at,
            version: o.version,
            available_actions,
            clock,
            clock_level,
            clock_deadline,
        }
    }
}

/// What a citizen sees when looking up their order: no internal notes, no other callers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicOrderView {
    pub number: String,
    pub status: Status,
    pub status_label: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub reply: Option<String>,
    pub timeline: Vec<PublicStep>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicStep {
    pub at: DateTime<Utc>,
    pub status_label: String,
}

impl PublicOrderView {
    pub fn of(o: WorkOrder, history: Vec<HistoryEntry>) -> Self {
        let mut timeline: Vec<PublicStep> = Vec::new();
        for h in history {
            let label = h.to_status.label_zh().to_owned();
            if timeline.last().is_none_or(|l| l.status_label != label) {
                timeline.push(PublicStep {
                    at: h.at,
                    status_label: label,
                });
            }
        }
        let released = matches!(
            o.status,
            Status::Replied | Status::Visited | Status::Archived
        );
        Self {
            number: o.number,
            status: o.status,
            status_label: o.status.label_zh().to_owned(),
            title: o.title,
            created_at: o.created_at,
            reply: if released { o.reply } else { None },
            timeline,
        }
    }
}
