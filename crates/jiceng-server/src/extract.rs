//! Extractors: JSON, path and query with our error shape, and the authenticated caller.

use crate::AppState;
use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use jiceng_kernel::access::Principal;
use jiceng_kernel::auth::SessionRecord;
use jiceng_kernel::error::codes;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

/// `axum::Json` whose rejections render as `{code, message}`, refusing NUL characters.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Path` whose rejections render as `{code, message}`, refusing NUL characters.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

/// `axum::extract::Query` whose rejections render as `{code, message}`, refusing NUL characters.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

/// Whether JSON text holds the escape `\u0000` (not an escaped backslash before `u0000`).
/// Raw control characters are already invalid JSON.
fn json_has_nul(bytes: &[u8]) -> bool {
    bytes.windows(6).enumerate().any(|(i, w)| {
        w == b"\\u0000" && bytes[..i].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    })
}

/// Whether a percent-encoded path or query names a NUL byte.
fn uri_has_nul(text: &str) -> bool {
    text.as_bytes().windows(3).any(|w| w == b"%00")
}

/// A NUL character cannot be stored by every engine (PostgreSQL refuses it in text), so it is
/// refused at the door, the same on every backend.
fn nul_refused() -> ApiError {
    ApiError::of(codes::REQUEST_NUL_CHARACTER)
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let head = Request::from_parts(parts.clone(), Body::empty());
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| ApiError::of(codes::REQUEST_TOO_LARGE))?;
        let axum::Json(value) = axum::Json::<T>::from_request(
            Request::from_parts(head.into_parts().0, Body::from(bytes.clone())),
            state,
        )
        .await?;
        if json_has_nul(&bytes) {
            return Err(nul_refused());
        }
        Ok(Self(value))
    }
}

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if uri_has_nul(parts.uri.path()) {
            return Err(nul_refused());
        }
        let axum::extract::Path(v) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Self(v))
    }
}

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if uri_has_nul(parts.uri.query().unwrap_or_default()) {
            return Err(nul_refused());
        }
        let axum::extract::Query(v) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(v))
    }
}

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
