use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, CSRF_COOKIE, Caller, SESSION_COOKIE};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiceng_accounts::UserView;
use jiceng_kernel::auth::{ApiToken, SESSION_TTL_HOURS};
use jiceng_kernel::error::Error;
use jiceng_kernel::error::codes;
use jiceng_kernel::ids::TokenId;
use jiceng_kernel::user::MAX_PASSWORD;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub user: UserView,
    /// Send back in `X-CSRF-Token` on every state-changing request of this session.
    pub csrf_token: Option<String>,
}

fn cookie_header(
    name: &str,
    value: &str,
    max_age: i64,
    http_only: bool,
    secure: bool,
) -> Option<HeaderValue> {
    let mut c = format!("{name}={value}; Path=/; SameSite=Strict; Max-Age={max_age}");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).ok()
}

fn session_cookies(headers: &mut HeaderMap, secret: &str, csrf: &str, max_age: i64, secure: bool) {
    let cookies = [
        cookie_header(SESSION_COOKIE, secret, max_age, true, secure),
        cookie_header(CSRF_COOKIE, csrf, max_age, false, secure),
    ];
    for c in cookies.into_iter().flatten() {
        headers.append(header::SET_COOKIE, c);
    }
}

/// Logs in with a password; sets the session cookie and returns the CSRF token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = SessionInfo),
        (status = 401, body = ErrorBody, description = "用户名或密码错误"),
        (status = 429, body = ErrorBody, description = "失败次数过多"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    if req.username.chars().count() > 64 || req.password.chars().count() > MAX_PASSWORD {
        return Err(Error::new(codes::AUTH_INVALID_CREDENTIALS, "用户名或密码过长").into());
    }
    let out = state
        .orders
        .accounts
        .login(&req.username, &req.password, &peer.ip().to_string())
        .await?;
    tracing::info!(user = %out.user.username, "login");
    // Session fixation: the new session always has a fresh secret, and a session cookie the
    // browser brought (its own, or one planted on it) is ended, never adopted.
    if let Some(old) = crate::extract::cookie(&headers, SESSION_COOKIE) {
        state.orders.accounts.end_presented_session(old).await?;
    }
    let mut resp = Json(SessionInfo {
        user: UserView::of(out.user, true),
        csrf_token: Some(out.csrf_token.clone()),
    })
    .into_response();
    session_cookies(
        resp.headers_mut(),
        &out.session_secret,
        &out.csrf_token,
        SESSION_TTL_HOURS * 3600,
        state.config.secure_cookies,
    );
    Ok(resp)
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    if let Some(s) = &caller.session {
        state.orders.accounts.logout(s).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    session_cookies(resp.headers_mut(), "", "", 0, state.config.secure_cookies);
    Ok(resp)
}

/// The caller and their roles.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<SessionInfo>> {
    let user = state
        .orders
        .accounts
        .get_user(&caller.principal, caller.principal.user_id)
        .await?;
    Ok(Json(SessionInfo {
        user,
        csrf_token: caller.session.map(|s| s.csrf_token),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password; the caller's other sessions end.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth",
    request_body = PasswordChange,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    if req.current_password.chars().count() > MAX_PASSWORD {
        return Err(Error::new(codes::AUTH_WRONG_PASSWORD, "当前密码不正确").into());
    }
    state
        .orders
        .accounts
        .change_password(
            &caller.principal,
            caller.session.as_ref(),
            &req.current_password,
            &req.new_password,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    pub name: String,
    /// Days until the token expires; absent for no expiry.
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: ApiToken,
    /// The secret, shown this once: send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// The caller's API tokens (without secrets).
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth",
    responses((status = 200, body = Vec<ApiToken>), (status = 401, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ApiToken>>> {
    Ok(Json(
        state
            .orders
            .accounts
            .list_api_tokens(&caller.principal)
            .await?,
    ))
}

/// Issues an API token for machine clients, acting as the caller.
#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth",
    request_body = NewTokenRequest,
    responses((status = 201, body = IssuedToken), (status = 400, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    let issued = state
        .orders
        .accounts
        .create_api_token(&caller.principal, &req.name, req.expires_in_days)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            token: issued.token,
            secret: issued.secret,
        }),
    ))
}

/// Revokes one of the caller's API tokens.
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth",
    params(("id" = String, Path, description = "令牌编号")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TokenId>,
) -> Result<StatusCode, ApiError> {
    state
        .orders
        .accounts
        .revoke_api_token(&caller.principal, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
