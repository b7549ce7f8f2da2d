//! `POST /api/v1/work-orders/{id}/arbitrate`
//!
//! 审定: after a disputed return the dispatcher rules which unit leads, and the ruling binds it.

use super::take_step;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::routes::work_order_view::WorkOrderView;
use axum::Json;
use axum::extract::State;
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::ids::UnitId;
use jiceng_orders::use_cases::ActRequest;
use serde::Deserialize;

/// The unit that must lead, and the ruling that says why.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArbitrateRequest {
    pub lead_unit_id: UnitId,
    pub ruling: String,
    /// The order's `version` as the client last read it; when sent and the order has changed
    /// since, the step is refused with 409 `work_order.version_conflict`.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/work-orders/{id}/arbitrate", tag = "work-orders",
    params(("id" = String, Path, description = "工单 ID")),
    request_body = ArbitrateRequest,
    responses((status = 200, body = WorkOrderView, description = "工单的新状态"),
              (status = 400, body = ErrorBody, description = "内容不合规则，如超长或缺少依据"),
              (status = 403, body = ErrorBody, description = "无权执行此操作"),
              (status = 404, body = ErrorBody, description = "工单不存在或不在辖区内"),
              (status = 409, body = ErrorBody, description = "工单当前状态不允许，或版本已变"),
              (status = 422, body = ErrorBody, description = "请求字段缺失或类型不对")))]
pub async fn arbitrate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<ArbitrateRequest>,
) -> ApiResult<Json<WorkOrderView>> {
    let req = ActRequest::Arbitrate {
        lead: b.lead_unit_id,
        ruling: b.ruling,
    };
    take_step(&state, &caller, id, b.version, req).await
}
