//! What the intake form asks while the operator types: `POST /api/v1/work-orders/preview`
//! (the draft's likely categories and possible duplicates) and `GET
//! /api/v1/work-orders/by-phone` (the caller's earlier demands).

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller};
use crate::routes::duplicates::{self, DuplicateView};
use crate::routes::work_order_view::WorkOrderView;
use axum::Json;
use axum::extract::State;
use jiceng_kernel::ids::UnitId;
use jiceng_orders::work_order::NewWorkOrder;
use jiceng_orders::work_order::register::IntakeForm;
use serde::{Deserialize, Serialize};

/// A demand as typed so far.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    pub title: Option<String>,
    pub content: String,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The unit the demand would be registered in, as at registration; defaults to the caller's.
    pub region_unit_id: Option<UnitId>,
}

/// One category the classifier reads in the text.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryGuess {
    pub label: String,
    /// Calibrated probability, 0–1.
    pub probability: f64,
}

/// What registering the draft now would show.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewView {
    /// The most likely categories, best first (at most 3; empty without a classifier).
    pub categories: Vec<CategoryGuess>,
    /// Open orders that may be about the same matter, best first, as registration answers
    /// them: for operators, dispatchers and supervisors, `null` for other roles (or when the
    /// check failed).
    pub duplicates: Option<Vec<DuplicateView>>,
}

/// Checks a draft while it is typed: the classifier's top categories and the open orders
/// that may be about the same matter. For whoever may register; nothing is stored. The
/// fields are checked as at registration (same codes).
#[utoipa::path(post, path = "/api/v1/work-orders/preview", operation_id = "preview_work_order", tag = "work-orders",
    request_body = PreviewRequest,
    responses((status = 200, body = PreviewView), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<PreviewRequest>,
) -> ApiResult<Json<PreviewView>> {
    let draft = NewWorkOrder::parse(IntakeForm {
        title: req.title.as_deref(),
        content: &req.content,
        address: req.address.as_deref(),
        latitude: req.latitude,
        longitude: req.longitude,
        ..Default::default()
    })?;
    let p = &caller.principal;
    let found = state
        .orders
        .preview_intake(p, draft, req.region_unit_id)
        .await?;
    Ok(Json(PreviewView {
        categories: found
            .categories
            .into_iter()
            .map(|(label, p)| CategoryGuess {
                label,
                probability: (p * 1000.0).round() / 1000.0,
            })
            .collect(),
        duplicates: found
            .duplicates
            .map(|c| duplicates::views(&state.orders, p, c)),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ByPhoneQuery {
    /// An 11-digit mobile, or a landline with its area code (`0826-2345678`).
    pub phone: String,
    /// At most this many, up to 20 (the default).
    pub limit: Option<u32>,
}

/// The caller's earlier demands: orders of the jurisdiction on which this phone is a caller,
/// newest first, at most 20. For the roles that see callers' contact data, shown in full;
/// each order answered is recorded as a read of its contact data.
#[utoipa::path(get, path = "/api/v1/work-orders/by-phone", operation_id = "work_orders_by_phone", tag = "work-orders",
    params(ByPhoneQuery),
    responses((status = 200, body = Vec<WorkOrderView>), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn by_phone(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ByPhoneQuery>,
) -> ApiResult<Json<Vec<WorkOrderView>>> {
    let p = &caller.principal;
    let orders = state.orders.orders_by_phone(p, &q.phone, q.limit).await?;
    Ok(Json(
        orders
            .into_iter()
            .map(|o| {
                // Every one was recorded as read; the check stays for the view's own sake.
                let reveal = state.orders.may_see_contact(p, &o);
                WorkOrderView::of(&state.orders, p, o, reveal)
            })
            .collect(),
    ))
}
