//! `/api/v1/work-orders`: intake, lists, inboxes, one `POST /{id}/<action>` per transition.

use super::Page;
use super::duplicates::RegisteredView;
use super::work_order_view::{PublicOrderView, WorkOrderView};
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use jiceng_core::error::Error;
use jiceng_core::error::codes;
use jiceng_core::ids::{OrderId, UnitId};
use jiceng_core::ports::OrderQuery;
use jiceng_core::services::{ActRequest, Inbox};
use jiceng_core::work_order::machine::ReturnReason;
use jiceng_core::work_order::register::IntakeForm;
use jiceng_core::work_order::{
    Channel, Command, HistoryEntry, NewWorkOrder, OrderCursor, OrderSort, Satisfaction, Status,
    Urgency,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub channel: Option<Channel>,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    #[serde(default)]
    pub anonymous: bool,
    pub wants_callback: Option<bool>,
    pub title: Option<String>,
    pub content: String,
    pub category: Option<String>,
    pub urgency: Option<Urgency>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    /// The unit (county, town, community, grid) the demand belongs to; defaults to the caller's unit.
    pub region_unit_id: Option<UnitId>,
}

/// Registers a demand (受理). Send `Idempotency-Key` so that a retried request creates nothing twice.
#[utoipa::path(post, path = "/api/v1/work-orders", tag = "work-orders",
    request_body = RegisterRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时不重复受理")),
    responses((status = 201, body = RegisteredView), (status = 200, body = RegisteredView, description = "同一 Idempotency-Key 的重试"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<RegisteredView>)> {
    let key = match headers.get("idempotency-key") {
        Some(v) => Some(v.to_str().map_err(|_| {
            Error::new(
                codes::REQUEST_INVALID_IDEMPOTENCY_KEY,
                "Idempotency-Key 须为 ASCII 字符",
            )
        })?),
        None => None,
    };
    let new = NewWorkOrder::parse(IntakeForm {
        channel: req
            .channel
            .or_else(|| Some(default_channel(&caller.principal, &headers))),
        caller_name: req.caller_name.as_deref(),
        caller_phone: req.caller_phone.as_deref(),
        anonymous: req.anonymous,
        wants_callback: req.wants_callback,
        title: req.title.as_deref(),
        content: &req.content,
        category: req.category.as_deref(),
        urgency: req.urgency,
        latitude: req.latitude,
        longitude: req.longitude,
        address: req.address.as_deref(),
    })?;
    let p = &caller.principal;
    let started = state.services.clock.now();
    let (order, duplicates) = state
        .services
        .register_with_duplicates(p, new, req.region_unit_id, key)
        .await?;
    // A retry returns the order created before this request, with 200 instead of 201.
    let status = if order.created_at < started {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    // The registering clerk gets back what was just typed in: an echo, not a read.
    let echo = state.services.may_see_contact(p, &order);
    let duplicates = duplicates.map(|c| super::duplicates::views(&state.services, p, c));
    Ok((
        status,
        Json(RegisteredView {
            order: WorkOrderView::of(&state.services, p, order, echo),
            duplicates,
        }),
    ))
}

/// Where a demand came from when the client does not say: by the registering role, and
/// `api` for machine clients with a token.
fn default_channel(p: &jiceng_core::access::Principal, headers: &HeaderMap) -> Channel {
    use jiceng_core::user::Role;
    if headers.contains_key(axum::http::header::AUTHORIZATION) {
        Channel::Api
    } else if p.has_role(Role::HotlineOperator) {
        Channel::Hotline
    } else if p.has_role(Role::GridWorker) {
        Channel::GridPatrol
    } else if p.has_role(Role::Citizen) {
        Channel::Web
    } else {
        Channel::Api
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderListQuery {
    /// Comma-separated statuses, e.g. `handling,suspended`.
    pub status: Option<String>,
    /// Lead unit.
    pub unit: Option<UnitId>,
    pub category: Option<String>,
    pub channel: Option<Channel>,
    /// Created at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only orders past their handling deadline.
    pub overdue: Option<bool>,
    /// Text in title or content, or an exact order number.
    pub q: Option<String>,
    /// `newest` (default), `deadline` (the open clock's deadline, most urgent first) or
    /// `-deadline`; orders without an open clock come last, newest first.
    pub sort: Option<String>,
    /// Cursor from the previous page's `next` (with the same `sort`).
    pub before: Option<String>,
    pub limit: Option<u32>,
}

/// The `sort` and `before` parameters of a list.
fn sort_and_cursor(
    sort: Option<&str>,
    before: Option<&str>,
) -> Result<(OrderSort, Option<OrderCursor>), ApiError> {
    let sort = OrderSort::parse(sort.unwrap_or(""))?;
    let cursor = match before {
        Some(c) => Some(OrderCursor::parse(c, sort)?),
        None => None,
    };
    Ok((sort, cursor))
}

fn parse_statuses(s: Option<&str>) -> Result<Vec<Status>, ApiError> {
    let Some(s) = s.filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    s.split(',')
        .map(|x| {
            Status::parse(x.trim()).ok_or_else(|| {
                Error::new(codes::REQUEST_INVALID_QUERY, format!("未知的工单状态：{x}")).into()
            })
        })
        .collect()
}

fn page(
    state: &AppState,
    caller: &Caller,
    orders: Vec<jiceng_core::work_order::WorkOrder>,
    limit: u32,
    sort: OrderSort,
) -> Page<WorkOrderView> {
    let next = (orders.len() as u32 >= limit)
        .then(|| orders.last().map(|o| OrderCursor::after(o, sort).encode()))
        .flatten();
    let items = orders
        .into_iter()
        .map(|o| {
            let own = jiceng_core::services::filed_by(&caller.principal, &o);
            WorkOrderView::of(&state.services, &caller.principal, o, own)
        })
        .collect();
    Page { items, next }
}

/// Orders within the caller's jurisdiction (a citizen: their own), newest first or by deadline.
#[utoipa::path(get, path = "/api/v1/work-orders", tag = "work-orders",
    params(OrderListQuery),
    responses((status = 200, body = Page<WorkOrderView>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<OrderListQuery>,
) -> ApiResult<Json<Page<WorkOrderView>>> {
    let limit = jiceng_core::services::page_size(q.limit);
    let (sort, cursor) = sort_and_cursor(q.sort.as_deref(), q.before.as_deref())?;
    let query = OrderQuery {
        statuses: parse_statuses(q.status.as_deref())?,
        lead_unit: q.unit,
        category: q.category,
        channel: q.channel,
        created_from: q.from,
        created_to: q.to,
        overdue_at: q.overdue.filter(|o| *o).map(|_| state.services.clock.now()),
        text: q.q,
        sort,
        cursor,
        limit,
        ..Default::default()
    };
    let orders = state.services.list_orders(&caller.principal, query).await?;
    Ok(Json(page(&state, &caller, orders, limit, sort)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// `newest` (default), `deadline` or `-deadline`, as in the list.
    pub sort: Option<String>,
    /// Cursor from the previous page's `next` (with the same `sort`).
    pub before: Option<String>,
    pub limit: Option<u32>,
}

/// A role's to-do list: `to_sign`, `to_handle`, `to_review`, `to_dispatch`, `returned`, `to_follow_up`, `extensions`.
#[utoipa::path(get, path = "/api/v1/work-orders/inbox/{inbox}", tag = "work-orders",
    params(("inbox" = Inbox, Path), InboxQuery),
    responses((status = 200, body = Page<WorkOrderView>), (status = 403, body = ErrorBody)))]
pub async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(inbox): ApiPath<Inbox>,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> ApiResult<Json<Page<WorkOrderView>>> {
    let limit = jiceng_core::services::page_size(q.limit);
    let (sort, cursor) = sort_and_cursor(q.sort.as_deref(), q.before.as_deref())?;
    let inbox = state
        .services
        .inbox(&caller.principal, inbox, sort, cursor, Some(limit))
        .await?;
    let items = inbox
        .orders
        .into_iter()
        .map(|o| {
            let own = jiceng_core::services::filed_by(&caller.principal, &o);
            WorkOrderView::of(&state.services, &caller.principal, o, own)
        })
        .collect();
    Ok(Json(Page {
        items,
        next: inbox.next.map(|c| c.encode()),
    }))
}

/// One order.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}", tag = "work-orders",
    params(("id" = String, Path)),
    responses((status = 200, body = WorkOrderView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<WorkOrderView>> {
    let o = state.services.get_order(&caller.principal, id).await?;
    let reveal = state.services.reveal_contact(&caller.principal, &o).await?;
    Ok(Json(WorkOrderView::of(
        &state.services,
        &caller.principal,
        o,
        reveal,
    )))
}

/// The order's history: who did what, when, from which state to which.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/history", tag = "work-orders",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(
        state.services.order_history(&caller.principal, id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// The phone number given at intake.
    pub phone: String,
}

/// A citizen looks up their order by number and phone; no login needed.
#[utoipa::path(get, path = "/api/v1/public/work-orders/{number}", tag = "work-orders",
    params(("number" = String, Path), LookupQuery),
    responses((status = 200, body = PublicOrderView), (status = 404, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    ApiPath(number): ApiPath<String>,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> ApiResult<Json<PublicOrderView>> {
    let (o, h) = state.services.lookup_order(&number, &q.phone).await?;
    Ok(Json(PublicOrderView::of(o, h)))
}

/// The transitions, as they appear in the URL.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ActionName {
    Dispatch,
    Arbitrate,
    Accept,
    AcceptCo,
    Return,
    Note,
    ExtensionRequest,
    ExtensionDecision,
    Suspend,
    Resume,
    Reply,
    CoReply,
    Review,
    FollowUp,
    Archive,
    Merge,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchBody {
    pub lead_unit_id: UnitId,
    #[serde(default)]
    pub co_unit_ids: Vec<UnitId>,
    pub note: Option<String>,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArbitrateBody {
    pub lead_unit_id: UnitId,
    pub ruling: String,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitBody {
    pub unit_id: UnitId,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    pub reason: ReturnReason,
    pub legal_basis: Option<String>,
    pub explanation: String,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    pub text: String,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    pub reason: String,
    pub new_due: DateTime<Utc>,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub approve: bool,
    pub comment: Option<String>,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub note: Option<String>,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    pub text: String,
    /// Hold the reply for the unit leader's review before it is released.
    #[serde(default)]
    pub review: bool,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoReplyBody {
    pub unit_id: UnitId,
    pub text: String,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    pub satisfaction: Satisfaction,
    pub solved: bool,
    /// Unsatisfied through the unit's fault: the order goes back to the unit (重办).
    #[serde(default)]
    pub unit_at_fault: bool,
    pub comment: Option<String>,
}
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The master order this one is a duplicate of.
    pub master_id: OrderId,
}

/// The body of a transition; each action takes its own fields, plus an optional `version`.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub enum ActionBody {
    Dispatch(DispatchBody),
    Arbitrate(ArbitrateBody),
    AcceptCo(UnitBody),
    Return(ReturnBody),
    Note(TextBody),
    ExtensionRequest(ExtensionBody),
    ExtensionDecision(DecisionBody),
    Suspend(ReasonBody),
    Resume(NoteBody),
    Reply(ReplyBody),
    CoReply(CoReplyBody),
    Review(DecisionBody),
    FollowUp(FollowUpBody),
    Archive(NoteBody),
    Merge(MergeBody),
}

fn body<T: DeserializeOwned>(v: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            codes::REQUEST_INVALID_BODY,
            format!("请求内容的字段不符合要求：{e}"),
        )
    })
}

/// Takes one step of the loop. The body's `version`, when sent, must match the order's.
#[utoipa::path(post, path = "/api/v1/work-orders/{id}/{action}", tag = "work-orders",
    params(("id" = String, Path), ("action" = ActionName, Path)),
    request_body = ActionBody,
    responses((status = 200, body = WorkOrderView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "状态不允许或并发冲突")))]
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, action)): ApiPath<(OrderId, ActionName)>,
    ApiJson(mut raw): ApiJson<serde_json::Value>,
) -> ApiResult<Json<WorkOrderView>> {
    if raw.is_null() {
        raw = serde_json::json!({});
    }
    let version = match raw.as_object_mut().and_then(|m| m.remove("version")) {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(body::<u32>(v)?),
    };
    let p = &caller.principal;
    let s = &state.services;
    let other = |c: Command| ActRequest::Other(c);
    let req = match action {
        ActionName::Merge => {
            let b: MergeBody = body(raw)?;
            let o = s.merge_orders(p, id, b.master_id).await?;
            let own = jiceng_core::services::filed_by(p, &o);
            return Ok(Json(WorkOrderView::of(s, p, o, own)));
        }
        ActionName::Dispatch => {
            let b: DispatchBody = body(raw)?;
            ActRequest::Dispatch {
                lead: b.lead_unit_id,
                co_units: b.co_unit_ids,
                note: b.note,
            }
        }
        ActionName::Arbitrate => {
            let b: ArbitrateBody = body(raw)?;
            ActRequest::Arbitrate {
                lead: b.lead_unit_id,
                ruling: b.ruling,
            }
        }
        ActionName::Accept => {
            body::<Empty>(raw)?;
            other(Command::Accept)
        }
        ActionName::AcceptCo => other(Command::AcceptCo {
            unit: body::<UnitBody>(raw)?.unit_id,
        }),
        ActionName::Return => {
            let b: ReturnBody = body(raw)?;
            other(Command::Return {
                reason: b.reason,
                legal_basis: b.legal_basis,
                explanation: b.explanation,
            })
        }
        ActionName::Note => other(Command::Note {
            text: body::<TextBody>(raw)?.text,
        }),
        ActionName::ExtensionRequest => {
            let b: ExtensionBody = body(raw)?;
            other(Command::RequestExtension {
                reason: b.reason,
                new_due: b.new_due,
            })
        }
        ActionName::ExtensionDecision => {
            let b: DecisionBody = body(raw)?;
            other(Command::DecideExtension {
                approve: b.approve,
                comment: b.comment,
            })
        }
        ActionName::Suspend => other(Command::Suspend {
            reason: body::<ReasonBody>(raw)?.reason,
        }),
        ActionName::Resume => other(Command::Resume {
            note: body::<NoteBody>(raw)?.note,
        }),
        ActionName::Reply => {
            let b: ReplyBody = body(raw)?;
            other(Command::Reply {
                text: b.text,
                review: b.review,
            })
        }
        ActionName::CoReply => {
            let b: CoReplyBody = body(raw)?;
            other(Command::CoReply {
                unit: b.unit_id,
                text: b.text,
            })
        }
        ActionName::Review => {
            let b: DecisionBody = body(raw)?;
            other(Command::Review {
                approve: b.approve,
                comment: b.comment,
            })
        }
        ActionName::FollowUp => {
            let b: FollowUpBody = body(raw)?;
            other(Command::FollowUp {
                satisfaction: b.satisfaction,
                solved: b.solved,
                unit_at_fault: b.unit_at_fault,
                comment: b.comment,
            })
        }
        ActionName::Archive => other(Command::Archive {
            note: body::<NoteBody>(raw)?.note,
        }),
    };
    let o = s.act(p, id, req, version).await?;
    let own = jiceng_core::services::filed_by(p, &o);
    Ok(Json(WorkOrderView::of(s, p, o, own)))
}
