//! `/api/v1/sla`: the supervisor's board (督办台账), time-limit figures, and an order's clocks.

use super::Page;
use super::work_order_view::UnitRef;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Caller};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use jiceng_kernel::ids::{OrderId, UnitId};
use jiceng_orders::sla::{
    ClockKind, Escalation, EscalationQuery, Level, SlaClock, Step, UnitFigures,
};
use serde::{Deserialize, Serialize};

/// One escalation record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EscalationView {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    /// `CB…` reminder, `DB…` supervision notice, `TB…` circular.
    pub number: String,
    /// What the clock ran on: `work_order`, or another context's kind of subject.
    pub subject_kind: String,
    #[schema(value_type = String, format = Uuid)]
    pub subject_id: uuid::Uuid,
    /// The work order, when the subject is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
    /// The subject's number (the order's number for a work order).
    pub order_number: String,
    pub clock: ClockKind,
    pub clock_label: String,
    pub generation: u32,
    pub step: Step,
    pub step_label: String,
    pub addressee: UnitRef,
    /// The unit whose clock ran out.
    pub subject: UnitRef,
    pub text: String,
    pub issued_at: DateTime<Utc>,
    /// Answer by.
    pub deadline: DateTime<Utc>,
}

impl From<Escalation> for EscalationView {
    fn from(e: Escalation) -> Self {
        Self {
            id: e.id,
            number: e.number,
            subject_kind: e.subject.kind.to_string(),
            subject_id: e.subject.id,
            order_id: e.subject.as_work_order(),
            order_number: e.reference,
            clock: e.clock,
            clock_label: e.clock.label_zh().into(),
            generation: e.generation,
            step: e.step,
            step_label: e.step.label_zh().into(),
            addressee: UnitRef::from(&e.addressee),
            subject: UnitRef::from(&e.unit),
            text: e.text,
            issued_at: e.issued_at,
            deadline: e.deadline,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// `reminder`, `supervision` or `circular`.
    pub step: Option<Step>,
    pub order: Option<OrderId>,
    /// Cursor from the previous page's `next`.
    pub after: Option<uuid::Uuid>,
    pub limit: Option<u32>,
}

/// The supervisor's board: reminders, supervision notices and circulars addressed to or about
/// units of the caller's jurisdiction, newest first. For supervisors, leaders and administrators.
#[utoipa::path(get, path = "/api/v1/sla/escalations", tag = "sla", params(BoardQuery),
    responses((status = 200, body = Page<EscalationView>), (status = 403, body = ErrorBody)))]
pub async fn board(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<BoardQuery>,
) -> ApiResult<Json<Page<EscalationView>>> {
    let limit = jiceng_kernel::page_size(q.limit);
    let items = state
        .orders
        .escalation_board(
            &caller.principal,
            EscalationQuery {
                step: q.step,
                subject: q.order.map(jiceng_kernel::subject::Subject::work_order),
                before: q.after,
                limit,
                ..Default::default()
            },
        )
        .await?;
    let items = items.into_iter().map(EscalationView::from).collect();
    Ok(Json(Page::new(items, limit, |e: &EscalationView| {
        e.id.to_string()
    })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FiguresParams {
    /// Units under this one are counted, each on its own.
    pub unit: UnitId,
    /// Which clock: `handling` (default), `sign_for`, `callback`.
    pub clock: Option<ClockKind>,
    /// Clocks stopped at or after (RFC 3339).
    pub from: DateTime<Utc>,
    /// Clocks stopped before (RFC 3339).
    pub to: DateTime<Utc>,
}

/// On-time rate, open and overdue counts, average and median working hours per unit.
#[utoipa::path(get, path = "/api/v1/sla/figures", tag = "sla", params(FiguresParams),
    responses((status = 200, body = Vec<UnitFigures>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<FiguresParams>,
) -> ApiResult<Json<Vec<UnitFigures>>> {
    let kind = q.clock.unwrap_or(ClockKind::Handling);
    Ok(Json(
        state
            .orders
            .sla_figures(&caller.principal, q.unit, kind, q.from, q.to)
            .await?,
    ))
}

/// One clock of an order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    pub kind: ClockKind,
    pub label: String,
    pub generation: u32,
    pub unit: UnitRef,
    /// The limit, as a duty list writes it: `2小时`, `3个工作日`.
    pub limit: String,
    pub basis: String,
    pub started_at: DateTime<Utc>,
    pub yellow_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub paused_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub next_step: Option<Step>,
    pub next_due: Option<DateTime<Utc>>,
    pub level: Level,
    pub on_time: Option<bool>,
}

impl ClockView {
    fn of(c: &SlaClock, now: DateTime<Utc>) -> Self {
        Self {
            kind: c.kind,
            label: c.kind.label_zh().into(),
            generation: c.generation,
            unit: UnitRef::from(&c.unit),
            limit: c.limit.to_string(),
            basis: c.basis.clone(),
            started_at: c.started_at,
            yellow_at: c.yellow_at,
            deadline: c.deadline,
            paused_at: c.paused_at,
            stopped_at: c.stopped_at,
            next_step: c.next_step,
            next_due: c.next_due,
            level: c.level_at(now),
            on_time: c.on_time(),
        }
    }
}

/// The order's clocks (current generation of each), with their deadlines and colour now.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/clocks", tag = "sla",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<ClockView>), (status = 404, body = ErrorBody)))]
pub async fn clocks(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<Vec<ClockView>>> {
    let o = state.orders.get_order(&caller.principal, id).await?;
    let now = state.orders.clock.now();
    Ok(Json(
        o.clocks.iter().map(|c| ClockView::of(c, now)).collect(),
    ))
}
