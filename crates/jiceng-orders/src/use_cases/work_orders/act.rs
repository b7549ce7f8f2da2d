//! Transitions (签收, 退单, 办理, 延期, 回访, …): one command on one order.

use super::{local_tz, notices_to, set_duty, version_conflict};
use crate::effects::Effects;
use crate::use_cases::Orders;
use crate::work_order::machine::Action;
use crate::work_order::{Command, Status, WorkOrder, decide};
use jiceng_kernel::access::{Permission, Principal};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{OrderId, UnitId};

impl Orders {
    /// Applies a transition. `expected_version`, when given, must be the order's version.
    #[tracing::instrument(name = "work_orders.act", skip_all, fields(id = %id))]
    pub async fn act(
        &self,
        who: &Principal,
        id: OrderId,
        cmd: ActRequest,
        expected_version: Option<u32>,
    ) -> Result<WorkOrder> {
        let o = self.get_order(who, id).await?;
        let (effects, order) = self.plan_act(who, &o, cmd, expected_version).await?;
        self.store.commit(&effects).await?;
        self.signal_due(&order);
        Ok(order)
    }

    /// What a transition of `o` (read for `who`) writes, and the order after it: checked and
    /// decided, nothing written.
    pub(crate) async fn plan_act(
        &self,
        who: &Principal,
        o: &WorkOrder,
        cmd: ActRequest,
        expected_version: Option<u32>,
    ) -> Result<(Effects, WorkOrder)> {
        if let Some(v) = expected_version
            && v != o.version
        {
            return Err(version_conflict());
        }
        let cap = self.capacity(who, o);
        let cmd = match cmd {
            ActRequest::Dispatch {
                lead,
                co_units,
                note,
            } => {
                let scope = who.require(Permission::ReadOrders)?;
                let lead = self.assignee(lead, &scope).await?;
                let mut co = Vec::with_capacity(co_units.len());
                for u in co_units {
                    co.push(self.assignee(u, &scope).await?);
                }
                Command::Dispatch {
                    lead,
                    co_units: co,
                    note,
                }
            }
            ActRequest::Arbitrate { lead, ruling } => {
                let scope = who.require(Permission::ReadOrders)?;
                Command::Arbitrate {
                    lead: self.assignee(lead, &scope).await?,
                    ruling,
                }
            }
            ActRequest::Other(cmd) => cmd,
        };
        let now = self.clock.now();
        let returned = match &cmd {
            Command::Return {
                reason,
                legal_basis,
                explanation,
            } => Some(match legal_basis {
                Some(b) => format!("{}：{explanation}（依据：{b}）", reason.label_zh()),
                None => format!("{}：{explanation}", reason.label_zh()),
            }),
            _ => None,
        };
        if let Command::RequestExtension { new_due, .. } = &cmd {
            self.check_extension_bound(o, *new_due, now)?;
        }
        let cmd_action = cmd.action();
        let mut out = decide(o, cmd, &cap, now)?;
        if matches!(cmd_action, Action::Recategorize) {
            // An order still waiting for a dispatcher gets suggestions for its new category.
            if matches!(out.order.status, Status::Registered | Status::Returned)
                && self.routing_enabled()
            {
                match self.advise_again(&out.order).await {
                    Ok(a) => out.order.routing = Some(a),
                    Err(e) => {
                        tracing::warn!(order = %o.number, error = %e, "dispatch engine failed after a new category");
                    }
                }
            }
        } else {
            self.after_routing_step(o, &mut out, returned).await;
        }
        self.follow_clocks(o, &mut out.order, now).await?;
        let notices = if out.order.status == Status::Replied && o.status != Status::Replied {
            let text = format!(
                "您反映的问题（工单号 {}）已办理完毕，答复已发布，可凭工单号和手机号查询。",
                out.order.number
            );
            notices_to(&out.order, "replied", &text)
        } else {
            Vec::new()
        };
        let mut effects = Effects::new(now);
        effects.change_order(o.version, out.order.clone(), out.entry);
        effects.notices = notices;
        Ok((effects, out.order))
    }

    /// An extension adds at most the policy's `max_extension` to the later of now and the
    /// current deadline: a date in year 9999 is a typing error, not a request.
    fn check_extension_bound(
        &self,
        o: &WorkOrder,
        new_due: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let policy = self.sla.for_region(&o.region.unit_path);
        let from = o.handling_due.map_or(now, |d| d.max(now));
        let limit = policy.max_extension.deadline(&policy.calendar, from)?;
        if new_due > limit {
            let local = limit.with_timezone(&local_tz()).format("%Y-%m-%d %H:%M");
            return Err(Error::new(
                codes::WORK_ORDER_INVALID_EXTENSION,
                format!(
                    "延期后的期限不能晚于 {local}（最多延长 {}）",
                    policy.max_extension
                ),
            ));
        }
        Ok(())
    }

    /// What a dispatch or a return means for routing: a dispatch keeps the duty of the
    /// suggestion it followed; a return gets fresh advice without the returning unit.
    async fn after_routing_step(
        &self,
        o: &WorkOrder,
        out: &mut crate::work_order::Outcome,
        returned: Option<String>,
    ) {
        match out.order.status {
            Status::Dispatched if out.order.lead != o.lead || o.status != Status::Dispatched => {
                // The duty of the suggestion the dispatcher followed, if any; otherwise none.
                let duty = out.order.lead.as_ref().and_then(|l| {
                    o.routing
                        .as_ref()
                        .and_then(|a| a.suggestion_for(l.unit_id))
                        .and_then(|s| s.duty.as_ref())
                        .map(|d| d.duty_ref)
                });
                set_duty(out, duty);
            }
            Status::Returned if self.routing_enabled() => {
                let reason = returned.unwrap_or_default();
                match self.advise_after_return(o, reason).await {
                    Ok(a) => out.order.routing = Some(a),
                    Err(e) => {
                        tracing::warn!(order = %o.number, error = %e, "dispatch engine failed after a return");
                    }
                }
            }
            _ => {}
        }
    }
}

/// A transition as the API asks for it: units by id, resolved and checked by the service.
#[derive(Debug, Clone)]
pub enum ActRequest {
    Dispatch {
        lead: UnitId,
        co_units: Vec<UnitId>,
        note: Option<String>,
    },
    Arbitrate {
        lead: UnitId,
        ruling: String,
    },
    Other(Command),
}
