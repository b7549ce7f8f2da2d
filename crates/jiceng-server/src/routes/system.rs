use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiceng_core::error::codes;
use serde_json::json;
use std::any::Any;

/// Liveness and database reachability.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let backend = state.services.store.backend();
    match state.services.store.ping().await {
        Ok(()) => Json(json!({"status": "ok", "database": backend})).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "database": backend})),
        )
            .into_response(),
    }
}

/// Prometheus text exposition.
pub async fn metrics() -> Response {
    match crate::metrics::handle() {
        Some(h) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            h.render(),
        )
            .into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

pub async fn not_found() -> ApiError {
    ApiError::new(codes::REQUEST_NOT_FOUND, "请求的地址不存在")
}

/// A panic in a handler is a bug; the client still gets the error shape, and no details.
pub fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::of(codes::INTERNAL).into_response()
}
