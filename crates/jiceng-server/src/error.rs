//! One error shape for the whole API: `{ "code": "...", "message": "..." }`.
//!
//! The cause of an error never reaches the client. It is logged, with the code and inside the
//! request's span (route and subject), for server faults and for conflicts a database
//! constraint raised: those are the failures someone has to look into.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiceng_kernel::error::{Code, Error, ErrorKind, codes};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `org_unit.not_found`.
    pub code: String,
    /// A message in Chinese that says what to do.
    pub message: String,
}

/// An error as the API renders it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Code,
    pub message: String,
    pub retry_after: Option<u64>,
    /// The underlying failure, for the log line only.
    pub source: Option<jiceng_kernel::error::Cause>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error::new(code, message).into()
    }
}

pub fn status_of(kind: ErrorKind) -> StatusCode {
    StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self {
            status: status_of(e.kind),
            code: e.code,
            message: e.message,
            retry_after: e.retry_after,
            source: e.source,
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => Self::new(
                codes::REQUEST_INVALID_BODY,
                format!("请求内容的字段不符合要求：{}", e.body_text()),
            ),
            JsonRejection::JsonSyntaxError(_) => Self::of(codes::REQUEST_MALFORMED_JSON),
            JsonRejection::MissingJsonContentType(_) => Self::of(codes::REQUEST_CONTENT_TYPE),
            JsonRejection::BytesRejection(_) => Self::of(codes::REQUEST_TOO_LARGE),
            _ => Self::of(codes::REQUEST_INVALID),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        Self::of(codes::REQUEST_INVALID_ID)
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(
            codes::REQUEST_INVALID_QUERY,
            format!("查询参数不正确：{}", r.body_text()),
        )
    }
}

impl ApiError {
    /// The error with the code's default message.
    pub fn of(code: Code) -> Self {
        Error::of(code).into()
    }

    fn log(&self) {
        let cause = self.source.as_deref().map(|c| {
            let mut chain = c.to_string();
            let mut next = c.source();
            while let Some(e) = next {
                chain.push_str(": ");
                chain.push_str(&e.to_string());
                next = e.source();
            }
            chain
        });
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // A lost race: retried, and answered only when it kept losing.
            tracing::warn!(code = %self.code, status = self.status.as_u16(),
                cause = cause.as_deref().unwrap_or("-"), "request turned away");
        } else if self.status.is_server_error() {
            tracing::error!(code = %self.code, status = self.status.as_u16(),
                cause = cause.as_deref().unwrap_or("-"), "request failed");
        } else if let Some(cause) = cause {
            tracing::warn!(code = %self.code, status = self.status.as_u16(), cause,
                "request refused");
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let mut resp = (
            self.status,
            Json(ErrorBody {
                code: self.code.as_str().to_owned(),
                message: self.message,
            }),
        )
            .into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.code == codes::STORAGE_BUSY {
            resp.extensions_mut().insert(crate::retry::LostRace);
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
