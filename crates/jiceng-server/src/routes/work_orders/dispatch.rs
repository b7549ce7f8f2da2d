//! `POST /api/v1/work-orders/{id}/dispatch`
//!
//! 派单 / 转办: a dispatcher gives the order to a lead unit and its co-units; a re-dispatch after a
//! return counts as a transfer.

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

/// The lead unit (主办) and co-units (协办) an order is given to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchRequest {
    pub lead_unit_id: UnitId,
    /// Assisting units; none when left out.
    #[serde(default)]
    pub co_unit_ids: Vec<UnitId>,
    /// A note to the units, kept in the history.
    pub note: Option<String>,
    /// The order's `version` as the client last read it; when sent and the order has changed
    /// since, the step is refused with 409 `work_order.version_conflict`.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/work-orders/{id}/dispatch", tag = "work-orders",
    params(("id" = String, Path, description = "工单 ID")),
    request_body = DispatchRequest,
    responses((status = 200, body = WorkOrderView, description = "工单的新状态"),
              (status = 400, body = ErrorBody, description = "内容不合规则，如超长或缺少依据"),
              (status = 403, body = ErrorBody, description = "无权执行此操作"),
              (status = 404, body = ErrorBody, description = "工单不存在或不在辖区内"),
              (status = 409, body = ErrorBody, description = "工单当前状态不允许，或版本已变"),
              (status = 422, body = ErrorBody, description = "请求字段缺失或类型不对")))]
pub async fn dispatch(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<DispatchRequest>,
) -> ApiResult<Json<WorkOrderView>> {
    let req = ActRequest::Dispatch {
        lead: b.lead_unit_id,
        co_units: b.co_unit_ids,
        note: b.note,
    };
    take_step(&state, &caller, id, b.version, req).await
}
