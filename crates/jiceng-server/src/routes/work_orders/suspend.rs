//! `POST /api/v1/work-orders/{id}/suspend`
//!
//! 挂起: the order's clocks pause for a stated reason until it is resumed.

use super::take_step;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::routes::work_order_view::WorkOrderView;
use axum::Json;
use axum::extract::State;
use jiceng_kernel::ids::OrderId;
use jiceng_orders::use_cases::ActRequest;
use jiceng_orders::work_order::Command;
use serde::Deserialize;

/// Why the order waits.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendRequest {
    pub reason: String,
    /// The order's `version` as the client last read it; when sent and the order has changed
    /// since, the step is refused with 409 `work_order.version_conflict`.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/work-orders/{id}/suspend", tag = "work-orders",
    params(("id" = String, Path, description = "工单 ID")),
    request_body = SuspendRequest,
    responses((status = 200, body = WorkOrderView, description = "工单的新状态"),
              (status = 400, body = ErrorBody, description = "内容不合规则，如超长或缺少依据"),
              (status = 403, body = ErrorBody, description = "无权执行此操作"),
              (status = 404, body = ErrorBody, description = "工单不存在或不在辖区内"),
              (status = 409, body = ErrorBody, description = "工单当前状态不允许，或版本已变"),
              (status = 422, body = ErrorBody, description = "请求字段缺失或类型不对")))]
pub async fn suspend(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<SuspendRequest>,
) -> ApiResult<Json<WorkOrderView>> {
    let req = ActRequest::Other(Command::Suspend { reason: b.reason });
    take_step(&state, &caller, id, b.version, req).await
}
