//! Extractors: JSON, path and query with our error shape, and the authenticated caller.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use jiceng_kernel::access::Principal;
use jiceng_kernel::auth::SessionRecord;
use jiceng_kernel::error::codes;
use subtle::ConstantTimeEq;

/// `axum::Json` whose rejections render as `{code, message}`.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Path` whose rejections render as `{code, message}`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `axum::extract::Query` whose rejections render as `{code, message}`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

pub const SESSION_COOKIE: &str = "jiceng_session";
pub const CSRF_COOKIE: &str = "jiceng_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authenticated caller, by session cookie or by `Authorization: Bearer` API token.
///
/// A cookie-authenticated request that changes state must carry the session's CSRF token in
/// `X-CSRF-Token`; token-authenticated requests carry no ambient credentials and need none.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub session: Option<SessionRecord>,
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(secret) = bearer {
            let principal = state
                .orders
                .accounts
                .authenticate_token(secret.trim())
                .await?;
            return Ok(Self {
                principal,
                session: None,
            });
        }
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::new(codes::AUTH_UNAUTHENTICATED, "请先登录"));
        };
        let (principal, session) = state.orders.accounts.authenticate_session(secret).await?;
        if changes_state(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let ok: bool = sent.as_bytes().ct_eq(session.csrf_token.as_bytes()).into();
            if !ok {
                return Err(ApiError::new(
                    codes::AUTH_CSRF,
                    "缺少或错误的 CSRF 令牌，请刷新页面后重试",
                ));
            }
        }
        Ok(Self {
            principal,
            session: Some(session),
        })
    }
}
