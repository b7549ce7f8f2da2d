use super::Page;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jiceng_accounts::UnitPatch;
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::{NewOrgUnit, OrgKind, OrgUnit};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgUnitView {
    pub id: UnitId,
    pub parent_id: Option<UnitId>,
    pub kind: OrgKind,
    pub kind_label: String,
    pub name: String,
    pub code: Option<String>,
    /// Depth in the tree; the county is 1.
    pub depth: usize,
    /// GeoJSON geometry, WGS-84.
    pub geometry: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    cursor: String,
}

impl From<OrgUnit> for OrgUnitView {
    fn from(u: OrgUnit) -> Self {
        Self {
            id: u.id,
            parent_id: u.parent_id,
            kind: u.kind,
            kind_label: u.kind.label_zh().to_owned(),
            name: u.name,
            code: u.code,
            depth: u.path.depth(),
            geometry: u.geometry,
            created_at: u.created_at,
            cursor: u.path.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnitListQuery {
    /// Only direct children of this unit.
    pub parent: Option<UnitId>,
    pub kind: Option<OrgKind>,
    /// Name contains.
    pub q: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

/// Units within the caller's jurisdiction, in tree order.
#[utoipa::path(get, path = "/api/v1/org-units", operation_id = "list_org_units", tag = "org",
    params(UnitListQuery),
    responses((status = 200, body = Page<OrgUnitView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<UnitListQuery>,
) -> ApiResult<Json<Page<OrgUnitView>>> {
    let limit = jiceng_kernel::page_size(q.limit);
    let units = state
        .orders
        .accounts
        .list_units(
            &caller.principal,
            q.parent,
            q.kind,
            q.q,
            q.after,
            Some(limit),
        )
        .await?;
    let items = units.into_iter().map(OrgUnitView::from).collect();
    Ok(Json(Page::new(items, limit, |u: &OrgUnitView| {
        u.cursor.clone()
    })))
}

/// One unit.
#[utoipa::path(get, path = "/api/v1/org-units/{id}", operation_id = "get_org_unit", tag = "org",
    params(("id" = String, Path, description = "单位编号")),
    responses((status = 200, body = OrgUnitView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UnitId>,
) -> ApiResult<Json<OrgUnitView>> {
    Ok(Json(
        state
            .orders
            .accounts
            .get_unit(&caller.principal, id)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnitRequest {
    pub parent_id: UnitId,
    pub kind: OrgKind,
    pub name: String,
    pub code: Option<String>,
    pub geometry: Option<serde_json::Value>,
}

/// Creates a unit under a parent within the caller's jurisdiction.
#[utoipa::path(post, path = "/api/v1/org-units", operation_id = "create_org_unit", tag = "org",
    request_body = NewUnitRequest,
    responses((status = 201, body = OrgUnitView), (status = 400, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewUnitRequest>,
) -> ApiResult<(StatusCode, Json<OrgUnitView>)> {
    let new = NewOrgUnit::parse(
        Some(req.parent_id),
        req.kind,
        &req.name,
        req.code.as_deref(),
        req.geometry,
    )?;
    let unit = state
        .orders
        .accounts
        .create_unit(&caller.principal, new)
        .await?;
    Ok((StatusCode::CREATED, Json(unit.into())))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitPatchRequest {
    pub name: Option<String>,
    pub code: Option<String>,
    pub geometry: Option<serde_json::Value>,
}

/// Renames a unit, or sets its code or outline.
#[utoipa::path(patch, path = "/api/v1/org-units/{id}", tag = "org",
    params(("id" = String, Path, description = "单位编号")),
    request_body = UnitPatchRequest,
    responses((status = 200, body = OrgUnitView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UnitId>,
    ApiJson(req): ApiJson<UnitPatchRequest>,
) -> ApiResult<Json<OrgUnitView>> {
    let patch = UnitPatch {
        name: req.name,
        code: req.code,
        geometry: req.geometry,
    };
    Ok(Json(
        state
            .orders
            .accounts
            .update_unit(&caller.principal, id, patch)
            .await?
            .into(),
    ))
}
