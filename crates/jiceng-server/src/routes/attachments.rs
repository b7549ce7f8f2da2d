//! Attachments of a work order: raw uploads checked by content, served back with their type.

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Caller};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiceng_kernel::error::codes;
use jiceng_kernel::ids::{AttachmentId, OrderId};
use jiceng_orders::work_order::attachment::{Attachment, MAX_ATTACHMENT_BYTES};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name as the user knows it.
    pub filename: String,
}

/// Uploads a photo (JPEG, PNG, WebP) or PDF, up to 5 MB, as the raw request body.
#[utoipa::path(post, path = "/api/v1/work-orders/{id}/attachments", operation_id = "upload_attachment", tag = "work-orders",
    params(("id" = String, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = Attachment), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = axum::body::to_bytes(body, MAX_ATTACHMENT_BYTES)
        .await
        .map_err(|_| ApiError::new(codes::ATTACHMENT_TOO_LARGE, "单个附件不能超过 5 MB"))?;
    let meta = state
        .orders
        .add_attachment(&caller.principal, id, &content_type, &q.filename, &bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(meta)))
}

/// The order's attachments (without content).
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/attachments", operation_id = "list_attachments", tag = "work-orders",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<Attachment>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<Vec<Attachment>>> {
    Ok(Json(
        state.orders.list_attachments(&caller.principal, id).await?,
    ))
}

/// One attachment's content.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/attachments/{attachment_id}", operation_id = "download_attachment", tag = "work-orders",
    params(("id" = String, Path), ("attachment_id" = String, Path)),
    responses((status = 200, description = "文件内容"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, aid)): ApiPath<(OrderId, AttachmentId)>,
) -> ApiResult<Response> {
    let (meta, data) = state
        .orders
        .get_attachment(&caller.principal, id, aid)
        .await?;
    let mut resp = data.into_response();
    crate::web_security::download_headers(resp.headers_mut(), &meta.content_type, &meta.filename);
    Ok(resp)
}
