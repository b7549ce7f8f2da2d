//! `/api/v1/work-orders`: intake, lists, inboxes, and one `POST /{id}/<action>` per
//! transition, each in its own file with its own typed body, so that the document the web
//! client is generated from describes exactly what every action accepts.

pub mod accept;
pub mod accept_co;
pub mod arbitrate;
pub mod archive;
pub mod co_reply;
pub mod dispatch;
pub mod export;
pub mod extension_decision;
pub mod extension_request;
pub mod follow_up;
pub mod history_doc;
pub mod intake_checks;
pub mod merge;
pub mod note;
pub mod reply;
pub mod resume;
pub mod r#return;
pub mod review;
pub mod suspend;

use super::Page;
use super::duplicates::RegisteredView;
use super::work_order_view::{PublicOrderView, WorkOrderView};
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use jiceng_kernel::error::Error;
use jiceng_kernel::error::codes;
use jiceng_kernel::ids::{OrderId, UnitId};
use jiceng_orders::ports::OrderQuery;
use jiceng_orders::use_cases::{ActRequest, Inbox, Registration};
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{
    Channel, HistoryEntry, NewWorkOrder, OrderCursor, OrderSort, Status, Urgency,
};
use serde::Deserialize;

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
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "请求字段缺失或类型不对，或 Idempotency-Key 已用于不同的受理内容")))]
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
    let (registered, duplicates) = state
        .orders
        .register_with_duplicates(p, new, req.region_unit_id, key)
        .await?;
    // A retry returns the order created before this request, with 200 instead of 201.
    let (status, order, tracking_code) = match registered {
        Registration::Created {
            order,
            tracking_code,
        } => (StatusCode::CREATED, order, Some(tracking_code)),
        Registration::Replayed { order } => (StatusCode::OK, order, None),
    };
    // The registering clerk gets back what was just typed in: an echo, not a read.
    let echo = state.orders.may_see_contact(p, &order);
    let duplicates = duplicates.map(|c| super::duplicates::views(&state.orders, p, c));
    Ok((
        status,
        Json(RegisteredView {
            order: WorkOrderView::of(&state.orders, p, order, echo),
            duplicates,
            tracking_code,
        }),
    ))
}

/// Where a demand came from when the client does not say: by the registering role, and
/// `api` for machine clients with a token.
fn default_channel(p: &jiceng_kernel::access::Principal, headers: &HeaderMap) -> Channel {
    use jiceng_kernel::user::Role;
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
#[into_params(parameter_in = Query)]
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
    orders: Vec<jiceng_orders::work_order::WorkOrder>,
    limit: u32,
    sort: OrderSort,
) -> Page<WorkOrderView> {
    let next = (orders.len() as u32 >= limit)
        .then(|| orders.last().map(|o| OrderCursor::after(o, sort).encode()))
        .flatten();
    let items = orders
        .into_iter()
        .map(|o| {
            let own = jiceng_orders::use_cases::filed_by(&caller.principal, &o);
            WorkOrderView::of(&state.orders, &caller.principal, o, own)
        })
        .collect();
    Page { items, next }
}

/// The store's query for a list's parameters (the list and its export).
fn order_query(state: &AppState, q: OrderListQuery) -> Result<OrderQuery, ApiError> {
    let limit = jiceng_kernel::page_size(q.limit);
    let (sort, cursor) = sort_and_cursor(q.sort.as_deref(), q.before.as_deref())?;
    Ok(OrderQuery {
        statuses: parse_statuses(q.status.as_deref())?,
        lead_unit: q.unit,
        category: q.category,
        channel: q.channel,
        created_from: q.from,
        created_to: q.to,
        overdue_at: q.overdue.filter(|o| *o).map(|_| state.orders.clock.now()),
        text: q.q,
        sort,
        cursor,
        limit,
        ..Default::default()
    })
}

/// Orders within the caller's jurisdiction (a citizen: their own), newest first or by deadline.
#[utoipa::path(get, path = "/api/v1/work-orders", operation_id = "list_work_orders", tag = "work-orders",
    params(OrderListQuery),
    responses((status = 200, body = Page<WorkOrderView>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<OrderListQuery>,
) -> ApiResult<Json<Page<WorkOrderView>>> {
    let query = order_query(&state, q)?;
    let (limit, sort) = (query.limit, query.sort);
    let orders = state.orders.list_orders(&caller.principal, query).await?;
    Ok(Json(page(&state, &caller, orders, limit, sort)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
    let limit = jiceng_kernel::page_size(q.limit);
    let (sort, cursor) = sort_and_cursor(q.sort.as_deref(), q.before.as_deref())?;
    let inbox = state
        .orders
        .inbox(&caller.principal, inbox, sort, cursor, Some(limit))
        .await?;
    let items = inbox
        .orders
        .into_iter()
        .map(|o| {
            let own = jiceng_orders::use_cases::filed_by(&caller.principal, &o);
            WorkOrderView::of(&state.orders, &caller.principal, o, own)
        })
        .collect();
    Ok(Json(Page {
        items,
        next: inbox.next.map(|c| c.encode()),
    }))
}

/// One order.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}", operation_id = "get_work_order", tag = "work-orders",
    params(("id" = String, Path)),
    responses((status = 200, body = WorkOrderView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<WorkOrderView>> {
    let o = state.orders.get_order(&caller.principal, id).await?;
    let reveal = state.orders.reveal_contact(&caller.principal, &o).await?;
    Ok(Json(WorkOrderView::of(
        &state.orders,
        &caller.principal,
        o,
        reveal,
    )))
}

/// The order's history: who did what, when, from which state to which.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/history", tag = "work-orders",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<history_doc::HistoryEntryDoc>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(
        state.orders.order_history(&caller.principal, id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// The phone number given at intake.
    pub phone: String,
    /// The tracking code (查询码) from the receipt, 8 characters.
    pub code: Option<String>,
}

/// A citizen looks up their order by number, phone and tracking code; no login needed. Any
/// mismatch answers like a missing order; repeated failures from one address or for one
/// number wait (429 with Retry-After).
#[utoipa::path(get, path = "/api/v1/public/work-orders/{number}", tag = "work-orders",
    params(("number" = String, Path), LookupQuery),
    responses((status = 200, body = PublicOrderView), (status = 404, body = ErrorBody),
              (status = 429, body = ErrorBody, description = "查询失败次数过多")))]
pub async fn lookup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    ApiPath(number): ApiPath<String>,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> ApiResult<Json<PublicOrderView>> {
    // The socket peer, not X-Forwarded-For: a client could name any address there.
    let client = peer.ip().to_string();
    let (o, h) = state
        .orders
        .lookup_order(&number, &q.phone, q.code.as_deref(), &client)
        .await?;
    Ok(Json(PublicOrderView::of(o, h)))
}

/// The `version` an action's body may carry: the order's version as the client last read it.
fn expected_version(version: Option<i64>) -> Result<Option<u32>, ApiError> {
    version
        .map(|v| {
            u32::try_from(v).map_err(|_| {
                ApiError::new(
                    codes::REQUEST_INVALID_BODY,
                    "version 须为工单当前的版本号（非负整数）",
                )
            })
        })
        .transpose()
}

/// Takes one step through the rule book and answers with the order as the caller may see it.
async fn take_step(
    state: &AppState,
    caller: &Caller,
    id: OrderId,
    version: Option<i64>,
    req: ActRequest,
) -> ApiResult<Json<WorkOrderView>> {
    let version = expected_version(version)?;
    let (p, s) = (&caller.principal, &state.orders);
    let o = s.act(p, id, req, version).await?;
    Ok(Json(answer(state, caller, o)))
}

/// The order after a step; contact data in full only to the citizen who filed it.
fn answer(
    state: &AppState,
    caller: &Caller,
    o: jiceng_orders::work_order::WorkOrder,
) -> WorkOrderView {
    let p = &caller.principal;
    let own = jiceng_orders::use_cases::filed_by(p, &o);
    WorkOrderView::of(&state.orders, p, o, own)
}

/// `POST /{id}/<anything else>`: an action the rule book does not know is a bad address,
/// answered as a bad id was before every action had its own route.
pub async fn unknown_action(
    _caller: Caller,
    ApiPath((_id, _action)): ApiPath<(OrderId, String)>,
) -> ApiError {
    ApiError::new(codes::REQUEST_INVALID_ID, "没有这种工单操作，请检查地址")
}
