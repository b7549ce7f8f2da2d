use super::Page;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiceng_accounts::UserView;
use jiceng_kernel::ids::{UnitId, UserId};
use jiceng_kernel::user::{NewUser, Role};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserListQuery {
    /// Users holding a role in this unit.
    pub unit: Option<UnitId>,
    pub role: Option<Role>,
    /// Username or name contains.
    pub q: Option<String>,
    pub after: Option<UserId>,
    pub limit: Option<u32>,
}

/// Users holding a role within the caller's jurisdiction. Phones are masked unless the
/// caller may see personal data.
#[utoipa::path(get, path = "/api/v1/users", operation_id = "list_users", tag = "users",
    params(UserListQuery),
    responses((status = 200, body = Page<UserView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<UserListQuery>,
) -> ApiResult<Json<Page<UserView>>> {
    let limit = jiceng_kernel::page_size(q.limit);
    let users = state
        .orders
        .accounts
        .list_users(&caller.principal, q.unit, q.role, q.q, q.after, Some(limit))
        .await?;
    Ok(Json(Page::new(users, limit, |u: &UserView| {
        u.id.to_string()
    })))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", operation_id = "get_user", tag = "users",
    params(("id" = String, Path, description = "用户编号")),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        state
            .orders
            .accounts
            .get_user(&caller.principal, id)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    pub role: Role,
    pub unit_id: UnitId,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub password: String,
    pub roles: Vec<GrantRequest>,
}

/// Creates a user with roles in units of the caller's jurisdiction.
#[utoipa::path(post, path = "/api/v1/users", operation_id = "create_user", tag = "users",
    request_body = NewUserRequest,
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let grants = req.roles.iter().map(|g| (g.role, g.unit_id)).collect();
    let new = NewUser::parse(
        &req.username,
        &req.display_name,
        req.phone.as_deref(),
        grants,
    )?;
    let user = state
        .orders
        .accounts
        .create_user(&caller.principal, new, &req.password)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Grants a role in a unit.
#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "users",
    params(("id" = String, Path, description = "用户编号")),
    request_body = GrantRequest,
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn grant_role(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<GrantRequest>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        state
            .orders
            .accounts
            .grant_role(&caller.principal, id, req.role, req.unit_id)
            .await?,
    ))
}

/// Revokes a role held in a unit.
#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{role}/{unit_id}", tag = "users",
    params(("id" = String, Path), ("role" = Role, Path), ("unit_id" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke_role(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, role, unit)): ApiPath<(UserId, Role, UnitId)>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        state
            .orders
            .accounts
            .revoke_role(&caller.principal, id, role, unit)
            .await?,
    ))
}

/// Disables a user: they cannot log in and their sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users",
    params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        state
            .orders
            .accounts
            .set_user_disabled(&caller.principal, id, true)
            .await?,
    ))
}

/// Enables a disabled user.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users",
    params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
pub async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        state
            .orders
            .accounts
            .set_user_disabled(&caller.principal, id, false)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub password: String,
}

/// Sets a user's password; all their sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users",
    params(("id" = String, Path)),
    request_body = PasswordReset,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    state
        .orders
        .accounts
        .reset_password(&caller.principal, id, &req.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
