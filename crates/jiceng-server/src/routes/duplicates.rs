//! `GET /api/v1/work-orders/{id}/duplicates` and the candidates answered with a registration.

use super::work_order_view::WorkOrderView;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiPath, Caller};
use axum::Json;
use axum::extract::State;
use jiceng_kernel::access::Principal;
use jiceng_kernel::ids::OrderId;
use jiceng_orders::duplicates::Nearness;
use jiceng_orders::use_cases::{DuplicateCandidate, Orders, filed_by};
use serde::Serialize;

/// Why a candidate counts as near the order.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NearBasis {
    /// Both have coordinates, within the configured radius.
    Distance,
    /// The same address (one of them has no coordinates).
    Address,
    /// One region contains the other (one of them has no coordinates).
    Place,
}

/// An open order that may be about the same matter (疑似重复件).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuplicateView {
    /// The candidate; callers' contact data masked as in lists.
    pub order: WorkOrderView,
    /// Estimated share of character 3-grams the two texts have in common, 0–1.
    pub similarity: f32,
    pub basis: NearBasis,
    /// Metres apart, when both have coordinates.
    pub distance_m: Option<f64>,
    /// Hours from the candidate's registration to this order's; negative when it came later.
    pub age_hours: f64,
    /// Why it is proposed, in one line: `内容相似度 86%；相距约 120 米；比本件早 3 天受理；办理中`.
    pub reason: String,
}

/// A registration's answer: the new order, and the candidates it may duplicate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegisteredView {
    #[serde(flatten)]
    pub order: WorkOrderView,
    /// Open orders that may be about the same matter, best first, for operators, dispatchers
    /// and supervisors; `null` when not checked (other roles, or the check failed). Merge the
    /// new order into one with `POST /api/v1/work-orders/{id}/merge` `{"master_id": …}`.
    pub duplicates: Option<Vec<DuplicateView>>,
    /// The tracking code (查询码) for the caller's receipt: with the order number and phone it
    /// opens the public lookup. Shown once, in the answer that creates the order (`null` on a
    /// replay); it appears nowhere else.
    pub tracking_code: Option<String>,
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

pub fn views(s: &Orders, who: &Principal, cands: Vec<DuplicateCandidate>) -> Vec<DuplicateView> {
    cands
        .into_iter()
        .map(|c| {
            let own = filed_by(who, &c.order);
            DuplicateView {
                similarity: (c.similarity * 1000.0).round() / 1000.0,
                basis: match c.nearness {
                    Nearness::Distance(_) => NearBasis::Distance,
                    Nearness::SameAddress => NearBasis::Address,
                    Nearness::SamePlace(_) => NearBasis::Place,
                },
                distance_m: c.distance_m.map(|d| round(d, 1)),
                age_hours: round(c.age.num_seconds() as f64 / 3600.0, 1),
                reason: c.reason,
                order: WorkOrderView::of(s, who, c.order, own),
            }
        })
        .collect()
}

/// Open orders that may be about the same matter as this one, best first: the same county,
/// registered within the window around it, near it (within the radius when both have
/// coordinates, otherwise at the same address or in the same place) and with similar text.
/// For operators, dispatchers and supervisors over the order. Merge with
/// `POST /api/v1/work-orders/{id}/merge`.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/duplicates", operation_id = "list_duplicates", tag = "work-orders",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<DuplicateView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<Vec<DuplicateView>>> {
    let p = &caller.principal;
    let cands = state.orders.duplicate_candidates(p, id).await?;
    Ok(Json(views(&state.orders, p, cands)))
}
