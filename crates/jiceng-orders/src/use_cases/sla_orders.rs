//! How a due step fires on a work order: the order's document carries its clocks, so the
//! step is stored as a change of the order under its version check, with a history entry, an
//! escalation record and text messages to the addressee's leaders.

use super::Orders;
use super::sla_sweep::{SubjectClocks, SubjectNames};
use crate::effects::Effects;
use crate::sla::follow::history_entry;
use crate::sla::order_label;
use crate::sla::{ClockKind, Step, fire_due};
use crate::work_order::{Assignee, Notice, WorkOrder};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_kernel::error::Result;
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::subject::{Subject, SubjectKind};
use jiceng_kernel::user::Role;
use serde_json::json;

/// The work orders' handler of due steps.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkOrderClocks;

#[async_trait]
impl SubjectClocks for WorkOrderClocks {
    fn kind(&self) -> SubjectKind {
        SubjectKind::WORK_ORDER
    }

    async fn fire(
        &self,
        orders: &Orders,
        county: jiceng_kernel::ids::CountyId,
        id: uuid::Uuid,
        kind: ClockKind,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(order) = orders.store.get_order(county, OrderId(id)).await? else {
            return Ok(false);
        };
        let policy = orders.sla.for_region(&order.region.unit_path);
        let Some(fired) = fire_due(&order, kind, now, policy)? else {
            return Ok(false);
        };
        let mut escalations = Vec::new();
        let mut notices = Vec::new();
        let mut detail = json!({});
        if fired.step.is_escalation() {
            let subject = Subject::work_order(order.id);
            let about = SubjectNames {
                subject: &subject,
                reference: &order.number,
                label: &order_label(&order),
            };
            let record = orders
                .escalation_record(about, &fired.clock, fired.step, now, policy)
                .await?;
            notices =
                leader_notices(orders, &order, &record.addressee, fired.step, &record.text).await?;
            detail = json!({
                "addressee": record.addressee.unit_name,
                "text": record.text,
                "reply_by": record.deadline,
            });
            escalations.push(record);
        }
        let entry = history_entry(&fired, now, detail);
        let mut effects = Effects::new(now);
        effects.change_order(order.version, fired.order, entry);
        effects.notices = notices;
        effects.escalations = escalations;
        orders.store.commit(&effects).await?;
        Ok(true)
    }
}

/// Text messages to the addressee unit's leaders, through the outbox.
async fn leader_notices(
    orders: &Orders,
    order: &WorkOrder,
    addressee: &Assignee,
    step: Step,
    text: &str,
) -> Result<Vec<Notice>> {
    let leaders = orders
        .store
        .list_users(&jiceng_accounts::ports::UserQuery {
            unit: Some(addressee.unit_id),
            role: Some(Role::UnitLeader),
            limit: 20,
            ..Default::default()
        })
        .await?;
    Ok(leaders
        .into_iter()
        .filter(|u| !u.disabled)
        .filter_map(|u| u.phone)
        .map(|phone| Notice {
            order_id: order.id,
            kind: format!("sla_{}", step.as_str()),
            phone,
            text: text.to_owned(),
        })
        .collect())
}
