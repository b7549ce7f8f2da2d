//! The rule book of the work-order loop.

use super::model::*;
use chrono::{DateTime, Utc};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{UnitId, UserId};
use jiceng_kernel::text;
use serde_json::json;

pub use super::command::{Action, Command, ReturnReason};

/// What the actor is to this particular order; computed from roles and jurisdiction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capacity {
    pub user: Option<UserId>,
    pub user_name: String,
    /// Dispatcher over the order's region or lead unit: dispatch, arbitrate, merge, archive.
    pub dispatcher: bool,
    /// Hotline operator or dispatcher over the order: call-backs.
    pub operator: bool,
    /// Handler or leader of the lead unit.
    pub lead_staff: bool,
    /// Leader of the lead unit: reviews replies.
    pub lead_leader: bool,
    /// Co-units the actor works for.
    pub co_units: Vec<UnitId>,
    /// Supervisor over the order: extensions.
    pub supervisor: bool,
    /// The citizen who registered the order.
    pub owner: bool,
}

/// The result of a command: the order as it is now, and the history entry that says why.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub order: WorkOrder,
    pub entry: HistoryEntry,
}

fn in_status(order: &WorkOrder, allowed: &[Status]) -> bool {
    allowed.contains(&order.status)
}

/// Whether the state of the order admits the action at all (regardless of who asks).
fn state_allows(order: &WorkOrder, action: Action, cap: &Capacity) -> bool {
    use Status::*;
    let co_pending = |accepted: bool| {
        order.co_units.iter().any(|c| {
            cap.co_units.contains(&c.unit.unit_id) && c.accepted == accepted && c.reply.is_none()
        })
    };
    match action {
        Action::Register => false,
        Action::Dispatch => in_status(order, &[Registered, Returned]),
        Action::Arbitrate => in_status(order, &[Returned]),
        Action::Accept => in_status(order, &[Dispatched]),
        Action::Return => in_status(order, &[Dispatched]) && !order.arbitrated,
        Action::AcceptCo => {
            in_status(order, &[Dispatched, Handling, Suspended]) && co_pending(false)
        }
        Action::CoReply => in_status(order, &[Handling, Suspended]) && co_pending(true),
        Action::Note | Action::Suspend => in_status(order, &[Handling]),
        Action::RequestExtension => in_status(order, &[Handling]) && order.extension.is_none(),
        Action::DecideExtension => {
            in_status(order, &[Handling, Suspended]) && order.extension.is_some()
        }
        Action::Resume => in_status(order, &[Suspended]),
        Action::Reply => in_status(order, &[Handling]),
        Action::Review => in_status(order, &[PendingReview]),
        Action::FollowUp => in_status(order, &[Replied]),
        Action::Archive => {
            in_status(order, &[Visited]) || (order.status == Replied && !order.wants_callback)
        }
        Action::Merge | Action::Absorb | Action::Recategorize => !order.status.is_final(),
    }
}

/// Whether this actor may take the action on this order.
fn actor_may(action: Action, cap: &Capacity) -> bool {
    match action {
        Action::Register => false,
        Action::Dispatch
        | Action::Arbitrate
        | Action::Merge
        | Action::Absorb
        | Action::Recategorize => cap.dispatcher,
        Action::Accept | Action::Return | Action::Note | Action::RequestExtension => cap.lead_staff,
        Action::Suspend | Action::Resume | Action::Reply => cap.lead_staff,
        Action::AcceptCo | Action::CoReply => !cap.co_units.is_empty(),
        Action::Review => cap.lead_leader,
        Action::DecideExtension => cap.supervisor,
        Action::FollowUp => cap.operator || cap.owner,
        Action::Archive => cap.dispatcher || cap.operator,
    }
}

/// The actions this actor may take on this order now.
pub fn available(order: &WorkOrder, cap: &Capacity) -> Vec<Action> {
    Action::ALL
        .into_iter()
        // Absorbing is the master's side of a merge; a new category comes with a correction.
        .filter(|a| !matches!(a, Action::Absorb | Action::Recategorize))
        .filter(|a| state_allows(order, *a, cap) && actor_may(*a, cap))
        .collect()
}

fn illegal(order: &WorkOrder, action: Action, cap: &Capacity) -> Error {
    let now: Vec<&str> = available(order, cap).iter().map(|a| a.label_zh()).collect();
    let hint = if now.is_empty() {
        "您现在不能对此工单执行任何操作".to_owned()
    } else {
        format!("现在可以：{}", now.join("、"))
    };
    Error::new(
        codes::WORK_ORDER_ILLEGAL_TRANSITION,
        format!(
            "工单当前状态为「{}」，不能{}。{hint}",
            order.status.label_zh(),
            action.label_zh()
        ),
    )
}

fn bounded(s: &str, field: &str, max: usize) -> Result<String> {
    text::clean(s, field, max, codes::WORK_ORDER_INVALID_FIELD)
}

fn bounded_opt(s: Option<&str>, field: &str, max: usize) -> Result<Option<String>> {
    text::clean_opt(s, field, max, codes::WORK_ORDER_INVALID_FIELD)
}

/// Applies `cmd` to `order` on behalf of `cap` at `now`.
pub fn decide(
    order: &WorkOrder,
    cmd: Command,
    cap: &Capacity,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let action = cmd.action();
    if order.status.is_final() {
        return Err(Error::new(
            codes::WORK_ORDER_CLOSED,
            format!("工单已{}，不能再更改", order.status.label_zh()),
        ));
    }
    if !actor_may(action, cap) {
        return Err(Error::new(
            codes::AUTH_FORBIDDEN,
            format!("您无权对此工单执行「{}」", action.label_zh()),
        ));
    }
    if !state_allows(order, action, cap) {
        return Err(illegal(order, action, cap));
    }
    let mut o = order.clone();
    let from = o.status;
    let payload = apply(&mut o, cmd, cap, now)?;
    o.version += 1;
    o.updated_at = now;
    let entry = HistoryEntry {
        seq: o.version,
        at: now,
        actor: cap.user.unwrap_or(o.created_by),
        actor_name: cap.user_name.clone(),
        action: action.as_str().to_owned(),
        from_status: Some(from),
        to_status: o.status,
        payload,
    };
    Ok(Outcome { order: o, entry })
}

fn apply(
    o: &mut WorkOrder,
    cmd: Command,
    cap: &Capacity,
    now: DateTime<Utc>,
) -> Result<serde_json::Value> {
    use Status::*;
    Ok(match cmd {
        Command::Dispatch {
            lead,
            co_units,
            note,
        } => {
            if co_units.iter().any(|c| c.unit_id == lead.unit_id) {
                return Err(Error::new(
                    codes::WORK_ORDER_INVALID_CO_UNIT,
                    "协办单位不能与主办单位相同",
                ));
            }
            if co_units.len() > 10 {
                return Err(Error::new(
                    codes::WORK_ORDER_INVALID_CO_UNIT,
                    "协办单位最多 10 个",
                ));
            }
            if let Some((i, c)) = co_units
                .iter()
                .enumerate()
                .find(|(i, c)| co_units[..*i].iter().any(|d| d.unit_id == c.unit_id))
            {
                return Err(Error::new(
                    codes::WORK_ORDER_INVALID_CO_UNIT,
                    format!(
                        "协办单位“{}”重复出现（第 {} 项），每个单位只能列一次",
                        c.unit_name,
                        i + 1
                    ),
                ));
            }
            let note = bounded_opt(note.as_deref(), "派单说明", 500)?;
            if o.status == Returned || o.lead.is_some() {
                o.transfer_count += 1;
            }
            o.arbitrated = false;
            let payload = json!({
                "lead": {"unit_id": lead.unit_id, "unit_name": lead.unit_name},
                "co_units": co_units.iter().map(|c| json!({"unit_id": c.unit_id, "unit_name": c.unit_name})).collect::<Vec<_>>(),
                "note": note,
            });
            o.lead = Some(lead);
            o.co_units = co_units
                .into_iter()
                .map(|unit| CoUnit {
                    unit,
                    accepted: false,
                    reply: None,
                })
                .collect();
            o.status = Dispatched;
            payload
        }
        Command::Arbitrate { lead, ruling } => {
            let ruling = bounded(&ruling, "审定意见", 1000)?;
            if o.co_units.iter().any(|c| c.unit.unit_id == lead.unit_id) {
                return Err(Error::new(
                    codes::WORK_ORDER_INVALID_CO_UNIT,
                    format!(
                        "“{}”是本工单的协办单位，不能同时审定为主办单位；请重新派单",
                        lead.unit_name
                    ),
                ));
            }
            o.transfer_count += 1;
            o.arbitrated = true;
            let payload = json!({"lead": {"unit_id": lead.unit_id, "unit_name": lead.unit_name}, "ruling": ruling});
            o.lead = Some(lead);
            o.status = Dispatched;
            payload
        }
        Command::Accept => {
            o.status = Handling;
            json!({})
        }
        Command::AcceptCo { unit } => {
            let part = co_part(o, unit, cap, false)?;
            part.accepted = true;
            json!({"unit_id": unit})
        }
        Command::Return {
            reason,
            legal_basis,
            explanation,
        } => {
            let explanation = bounded(&explanation, "退单说明", 1000)?;
            let legal_basis = bounded_opt(legal_basis.as_deref(), "法律依据", 500)?;
            if reason == ReturnReason::NotOurDuty && legal_basis.is_none() {
                return Err(Error::new(
                    codes::WORK_ORDER_LEGAL_BASIS_REQUIRED,
                    "以“非本单位职责”退单须写明依据（权责清单事项或法律法规条款）",
                ));
            }
            o.return_count += 1;
            o.status = Returned;
            json!({
                "reason": reason, "reason_label": reason.label_zh(), "legal_basis": legal_basis,
                "explanation": explanation,
                "unit": o.lead.as_ref().map(|l| json!({"unit_id": l.unit_id, "unit_name": l.unit_name})),
            })
        }
        Command::Note { text } => json!({"text": bounded(&text, "办理进展", 2000)?}),
        Command::Recategorize { category } => {
            let category = bounded(&category, "分类", 200)?;
            if o.category.as_deref() == Some(category.as_str()) {
                return Err(Error::new(
                    codes::WORK_ORDER_SAME_CATEGORY,
                    format!("工单已是“{category}”分类"),
                ));
            }
            let payload = json!({"from": o.category, "to": category});
            o.category = Some(category);
            payload
        }
        Command::RequestExtension { reason, new_due } => {
            let reason = bounded(&reason, "延期理由", 1000)?;
            if new_due <= now || o.handling_due.is_some_and(|d| new_due <= d) {
                return Err(Error::new(
                    codes::WORK_ORDER_INVALID_EXTENSION,
                    "延期后的期限必须晚于当前期限",
                ));
            }
            o.extension = Some(ExtensionRequest {
                reason: reason.clone(),
                new_due,
                requested_by: cap.user.unwrap_or(o.created_by),
                requested_at: now,
            });
            json!({"reason": reason, "new_due": new_due})
        }
        Command::DecideExtension { approve, comment } => {
            let comment = bounded_opt(comment.as_deref(), "审批意见", 1000)?;
            let req = o.extension.take();
            let new_due = req.as_ref().map(|r| r.new_due);
            if approve {
                o.handling_due = new_due;
            }
            json!({"approved": approve, "comment": comment, "new_due": new_due})
        }
        Command::Suspend { reason } => {
            o.status = Suspended;
            json!({"reason": bounded(&reason, "挂起理由", 1000)?})
        }
        Command::Resume { note } => {
            o.status = Handling;
            json!({"note": bounded_opt(note.as_deref(), "说明", 1000)?})
        }
        Command::Reply { text, review } => {
            let pending: Vec<&str> = o
                .co_units
                .iter()
                .filter(|c| c.reply.is_none())
                .map(|c| c.unit.unit_name.as_str())
                .collect();
            if !pending.is_empty() {
                return Err(Error::new(
                    codes::WORK_ORDER_CO_UNITS_PENDING,
                    format!("协办单位尚未答复：{}", pending.join("、")),
                ));
            }
            let text = bounded(&text, "答复内容", 5000)?;
            o.reply = Some(text.clone());
            o.status = if review { PendingReview } else { Replied };
            json!({"text": text, "review": review})
        }
        Command::CoReply { unit, text } => {
            let text = bounded(&text, "协办答复", 5000)?;
            let part = co_part(o, unit, cap, true)?;
            part.reply = Some(text.clone());
            json!({"unit_id": unit, "text": text})
        }
        Command::Review { approve, comment } => {
            let comment = bounded_opt(comment.as_deref(), "审核意见", 1000)?;
            if approve {
                o.status = Replied;
            } else {
                if comment.is_none() {
                    return Err(Error::new(
                        codes::WORK_ORDER_COMMENT_REQUIRED,
                        "退回重新答复须写明意见",
                    ));
                }
                o.status = Handling;
            }
            json!({"approved": approve, "comment": comment})
        }
        Command::FollowUp {
            satisfaction,
            solved,
            unit_at_fault,
            comment,
        } => {
            let comment = bounded_opt(comment.as_deref(), "回访意见", 1000)?;
            o.satisfaction = Some(satisfaction);
            let reopen = satisfaction.is_unsatisfied() && unit_at_fault;
            if reopen {
                o.reopen_count += 1;
                o.status = Handling;
                o.reply = None;
            } else {
                o.status = Visited;
            }
            json!({"satisfaction": satisfaction, "solved": solved, "unit_at_fault": unit_at_fault,
                   "comment": comment, "reopened": reopen})
        }
        Command::Archive { note } => {
            o.status = Archived;
            json!({"note": bounded_opt(note.as_deref(), "归档说明", 1000)?})
        }
        Command::MergeInto {
            master,
            master_number,
        } => {
            if master == o.id {
                return Err(Error::new(
                    codes::WORK_ORDER_INVALID_MERGE,
                    "不能与自身并案",
                ));
            }
            o.status = Merged;
            o.merged_into = Some(master);
            json!({"master": master, "master_number": master_number})
        }
        Command::Absorb {
            duplicate,
            duplicate_number,
            callers,
        } => {
            let n = callers.len();
            o.extra_callers.extend(callers);
            json!({"duplicate": duplicate, "duplicate_number": duplicate_number, "callers_added": n})
        }
    })
}

fn co_part<'a>(
    o: &'a mut WorkOrder,
    unit: UnitId,
    cap: &Capacity,
    accepted: bool,
) -> Result<&'a mut CoUnit> {
    if !cap.co_units.contains(&unit) {
        return Err(Error::forbidden("您不是该协办单位的人员"));
    }
    o.co_units
        .iter_mut()
        .find(|c| c.unit.unit_id == unit && c.accepted == accepted && c.reply.is_none())
        .ok_or_else(|| {
            Error::new(
                codes::WORK_ORDER_ILLEGAL_TRANSITION,
                "该协办单位当前不能执行此操作",
            )
        })
}
