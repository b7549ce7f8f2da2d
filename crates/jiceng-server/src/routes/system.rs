use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Caller;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiceng_kernel::error::codes;
use serde_json::json;
use std::any::Any;

/// Liveness and database reachability.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let backend = state.orders.store.backend();
    match state.orders.store.ping().await {
        Ok(()) => Json(json!({"status": "ok", "database": backend})).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "database": backend})),
        )
            .into_response(),
    }
}

/// The server's operating figures (requests and background jobs) in the Prometheus text format,
/// for administrators of a top-level unit: the figures are the whole server's.
#[utoipa::path(get, path = "/api/v1/admin/metrics", tag = "system",
    responses(
        (status = 200, body = String, content_type = "text/plain; version=0.0.4",
         description = "Prometheus 文本格式的运行指标"),
        (status = 403, body = ErrorBody, description = "不是最高一级单位的系统管理员"),
        (status = 503, description = "此服务器未启用运行指标")))]
pub async fn admin_metrics(State(state): State<AppState>, caller: Caller) -> Response {
    match state.orders.accounts.check_server_admin(&caller.principal) {
        Ok(_granted) => crate::metrics::render().await,
        Err(e) => ApiError::from(e).into_response(),
    }
}

pub async fn not_found() -> ApiError {
    ApiError::new(codes::REQUEST_NOT_FOUND, "请求的地址不存在")
}

/// A panic in a handler is a bug; the client still gets the error shape, and no details.
pub fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::of(codes::INTERNAL).into_response()
}
