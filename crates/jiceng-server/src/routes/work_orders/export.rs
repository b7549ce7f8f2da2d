//! `GET /api/v1/work-orders/export`: the list under the same filter as an Excel workbook.

use super::{OrderListQuery, order_query};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Caller};
use crate::order_sheet;
use crate::routes::work_order_view::WorkOrderView;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use jiceng_orders::use_cases::filed_by;

/// The orders the list shows under this filter (same parameters; `limit` is ignored), as an
/// .xlsx: up to 10,000 rows in the list's order, contact data masked as the list masks it,
/// times in Asia/Shanghai. Staff only.
#[utoipa::path(get, path = "/api/v1/work-orders/export", operation_id = "export_work_orders", tag = "work-orders",
    params(OrderListQuery),
    responses((status = 200, description = "xlsx 文件", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<OrderListQuery>,
) -> ApiResult<Response> {
    let p = &caller.principal;
    let query = order_query(&state, q)?;
    let orders = state.orders.export_orders(p, query).await?;
    let views: Vec<WorkOrderView> = orders
        .into_iter()
        .map(|o| {
            let own = filed_by(p, &o);
            WorkOrderView::of(&state.orders, p, o, own)
        })
        .collect();
    let data = order_sheet::write(&views)?;
    let stamp = order_sheet::file_stamp(state.orders.clock.now());
    let mut resp = data.into_response();
    crate::web_security::download_headers(
        resp.headers_mut(),
        order_sheet::XLSX_TYPE,
        &format!("工单-{stamp}.xlsx"),
    );
    Ok(resp)
}
