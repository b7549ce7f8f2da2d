//! How the clocks follow the order's loop, and how a due step fires. Both are pure: the
//! service resolves the limits and the addressees, storage writes the result.

use crate::work_order::{HistoryEntry, Status, WorkOrder};
use chrono::{DateTime, Utc};
use jiceng_deadlines::{ClockKind, SlaClock, SlaPolicy, Step};
use jiceng_kernel::calendar::TimeLimits;
use jiceng_kernel::error::Result;
use serde_json::json;

/// Which clocks start when: sign-for on dispatch, handling on sign-for and on reopen,
/// call-back on the released reply (if the caller wants one).
pub fn clocks_to_start(before: &WorkOrder, after: &WorkOrder) -> Vec<ClockKind> {
    use Status::*;
    let mut v = Vec::new();
    if after.status == Dispatched && before.status != Dispatched {
        v.push(ClockKind::SignFor);
    }
    if after.status == Handling && matches!(before.status, Dispatched | Replied) {
        v.push(ClockKind::Handling);
    }
    if after.status == Replied && before.status != Replied && after.wants_callback {
        v.push(ClockKind::Callback);
    }
    v
}

/// Moves the clocks of `after` (the outcome of a transition from `before`) at `now`:
/// stops what the transition ended, pauses and resumes on suspension, applies an approved
/// extension, starts new clocks with `limits`. Keeps `handling_due` equal to the handling
/// clock's deadline, so lists filter and sort by it.
pub fn follow(
    before: &WorkOrder,
    after: &mut WorkOrder,
    now: DateTime<Utc>,
    policy: &SlaPolicy,
    limits: &TimeLimits,
    basis: &str,
) -> Result<()> {
    use Status::*;
    let extended = after.handling_due != before.handling_due;
    let clocks = &mut after.clocks;
    let stop = |c: Option<&mut SlaClock>| c.map_or(Ok(()), |c| c.stop(now, policy));
    if before.status == Dispatched && after.status != Dispatched {
        stop(clocks.sign_for.as_mut())?;
    }
    if before.status == Replied && after.status != Replied {
        stop(clocks.callback.as_mut())?;
    }
    if after.status == Replied && before.status != Replied {
        stop(clocks.handling.as_mut())?;
    }
    if after.status.is_final() {
        for k in ClockKind::ALL {
            stop(clocks.get_mut(k))?;
        }
    }
    if let Some(h) = clocks.handling.as_mut().filter(|h| h.stopped_at.is_none()) {
        if after.status == Suspended && before.status != Suspended {
            h.pause(now, policy)?;
        }
        if before.status == Suspended && after.status != Suspended {
            h.resume(now, policy)?;
        }
        if before.extension.is_none() && after.extension.is_some() {
            h.note_extension_request();
        }
        if extended && let Some(due) = after.handling_due {
            h.extend(due, policy)?;
        } else if before.extension.is_some() && after.extension.is_none() {
            h.drop_extension_request();
        }
    }
    for kind in clocks_to_start(before, after) {
        let unit = match kind {
            ClockKind::Callback => Some(after.region.clone()),
            _ => after.lead.clone(),
        };
        let Some(unit) = unit else { continue };
        let limit = match kind {
            ClockKind::SignFor => limits.sign_for,
            ClockKind::Handling => limits.handling,
            ClockKind::Callback => limits.callback,
        };
        let slot = after.clocks.slot(kind);
        let generation = slot.as_ref().map_or(1, |c| c.generation + 1);
        *slot = Some(SlaClock::start(
            kind,
            generation,
            unit,
            limit,
            basis.to_owned(),
            now,
            policy,
        )?);
    }
    if let Some(h) = &after.clocks.handling {
        after.handling_due = Some(h.deadline);
    }
    Ok(())
}

/// A step that fired: the order with its clock advanced, and the history entry.
#[derive(Debug, Clone)]
pub struct Fired {
    pub order: WorkOrder,
    pub clock: SlaClock,
    pub step: Step,
    /// When the step was due (the instant it stands for, even when it fires late).
    pub due: DateTime<Utc>,
}

/// Fires the next step of the order's `kind` clock if it is due at `now`: advances the clock
/// to the following step and bumps the order's version, so that two sweepers racing on the
/// same order cannot both store it. `None` when nothing is due.
pub fn fire_due(
    order: &WorkOrder,
    kind: ClockKind,
    now: DateTime<Utc>,
    policy: &SlaPolicy,
) -> Result<Option<Fired>> {
    if order.status.is_final() {
        return Ok(None);
    }
    let mut o = order.clone();
    let Some(c) = o.clocks.get_mut(kind) else {
        return Ok(None);
    };
    let Some((step, due)) = c.advance_due(now, policy)? else {
        return Ok(None);
    };
    let clock = c.clone();
    o.version += 1;
    o.updated_at = now;
    Ok(Some(Fired {
        order: o,
        clock,
        step,
        due,
    }))
}

/// The history entry of a fired step, written by the system.
pub fn history_entry(f: &Fired, now: DateTime<Utc>, detail: serde_json::Value) -> HistoryEntry {
    HistoryEntry {
        seq: f.order.version,
        at: now,
        actor: jiceng_kernel::ids::UserId(uuid::Uuid::nil()),
        actor_name: "系统督办".into(),
        action: format!("sla_{}", f.step.as_str()),
        from_status: Some(f.order.status),
        to_status: f.order.status,
        payload: json!({
            "clock": f.clock.kind, "clock_label": f.clock.kind.label_zh(),
            "generation": f.clock.generation, "step": f.step, "step_label": f.step.label_zh(),
            "deadline": f.clock.deadline, "due": f.due, "unit": f.clock.unit.unit_name,
            "detail": detail,
        }),
    }
}

/// How a record names a work order: `工单 GD…「title」`.
pub fn order_label(order: &WorkOrder) -> String {
    format!("工单 {}「{}」", order.number, order.title)
}
