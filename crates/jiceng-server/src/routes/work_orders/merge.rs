//! `POST /api/v1/work-orders/{id}/merge`
//!
//! 并案: this order is a duplicate of a master order; it closes as merged and its callers join
//! the master's, so every caller hears the outcome.

use super::{answer, expected_version};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::routes::work_order_view::WorkOrderView;
use axum::Json;
use axum::extract::State;
use jiceng_kernel::ids::OrderId;
use jiceng_orders::use_cases::version_conflict;
use serde::Deserialize;

/// The master order this one is a duplicate of.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The master order this one is a duplicate of.
    pub master_id: OrderId,
    /// The duplicate's `version` as the client last read it; when sent and the order has
    /// changed since, the merge is refused with 409 `work_order.version_conflict`.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/work-orders/{id}/merge", tag = "work-orders",
    params(("id" = String, Path, description = "被并入的重复工单 ID")),
    request_body = MergeRequest,
    responses((status = 200, body = WorkOrderView, description = "并入的主工单"),
              (status = 400, body = ErrorBody, description = "不能与自身并案"),
              (status = 403, body = ErrorBody, description = "无权并案"),
              (status = 404, body = ErrorBody, description = "工单不存在或不在辖区内"),
              (status = 409, body = ErrorBody, description = "工单当前状态不允许，或版本已变"),
              (status = 422, body = ErrorBody, description = "请求字段缺失或类型不对")))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<MergeRequest>,
) -> ApiResult<Json<WorkOrderView>> {
    let (p, s) = (&caller.principal, &state.orders);
    // The merge itself commits against the version it reads; a stale client is told before.
    if let Some(v) = expected_version(b.version)?
        && s.get_order(p, id).await?.version != v
    {
        return Err(version_conflict().into());
    }
    let o = s.merge_orders(p, id, b.master_id).await?;
    Ok(Json(answer(&state, &caller, o)))
}
