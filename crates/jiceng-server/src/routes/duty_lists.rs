//! Responsibility lists (权责清单): versions of a jurisdiction's list, upload as a draft with
//! every problem named by row and column, publish with an effective date, download.

use crate::AppState;
use crate::duty_files::{self, TableFormat};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use jiceng_kernel::error::codes;
use jiceng_kernel::ids::{DutyId, DutyListId, UnitId, UserId};
use jiceng_orders::duty::{
    Duty, DutyIssue, DutyList, DutyListInfo, DutyListStatus, DutyRules, UnitRef, table,
};
use serde::{Deserialize, Serialize};

/// The largest list file accepted.
pub const MAX_LIST_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DutyListInfoView {
    pub id: DutyListId,
    pub unit_id: UnitId,
    pub version: u32,
    pub status: DutyListStatus,
    pub status_label: String,
    /// Local date from which the version governs (YYYY-MM-DD); absent for drafts.
    pub effective_date: Option<NaiveDate>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub duty_count: u32,
}

impl From<DutyListInfo> for DutyListInfoView {
    fn from(i: DutyListInfo) -> Self {
        Self {
            id: i.id,
            unit_id: i.unit_id,
            version: i.version,
            status: i.status,
            status_label: i.status.label_zh().to_owned(),
            effective_date: i.effective_date,
            created_by: i.created_by,
            created_at: i.created_at,
            published_at: i.published_at,
            duty_count: i.duty_count,
        }
    }
}

/// A lead or assisting unit: as the list writes it, and the unit when it is a fixed one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitRefView {
    /// `广安区民政局`, or `属地乡镇（街道）` for the unit found from the order's location.
    pub text: String,
    pub unit_id: Option<UnitId>,
}

impl From<&UnitRef> for UnitRefView {
    fn from(u: &UnitRef) -> Self {
        Self {
            text: u.to_string(),
            unit_id: match u {
                UnitRef::Unit { id, .. } => Some(*id),
                UnitRef::Local { .. } => None,
            },
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DutyView {
    pub id: DutyId,
    pub position: u32,
    pub matter: String,
    /// Taxonomy code, levels joined by `/`.
    pub category: String,
    pub keywords: Vec<String>,
    pub lead: UnitRefView,
    pub assisting: Vec<UnitRefView>,
    pub legal_basis: Option<String>,
    /// `8工作小时`, `3个工作日`, `2小时`.
    pub sign_for: String,
    pub handling: String,
    pub callback: Option<String>,
    pub village_assist: bool,
}

impl From<&Duty> for DutyView {
    fn from(d: &Duty) -> Self {
        Self {
            id: d.id,
            position: d.position,
            matter: d.matter.clone(),
            category: d.category.clone(),
            keywords: d.keywords.clone(),
            lead: (&d.lead).into(),
            assisting: d.assisting.iter().map(Into::into).collect(),
            legal_basis: d.legal_basis.clone(),
            sign_for: d.sign_for.to_string(),
            handling: d.handling.to_string(),
            callback: d.callback.map(|c| c.to_string()),
            village_assist: d.village_assist,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DutyListView {
    #[serde(flatten)]
    pub info: DutyListInfoView,
    pub duties: Vec<DutyView>,
}

impl From<DutyList> for DutyListView {
    fn from(l: DutyList) -> Self {
        Self {
            duties: l.duties.iter().map(Into::into).collect(),
            info: l.info.into(),
        }
    }
}

/// The outcome of an upload: the stored draft, or none when any issue is an error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DutyUploadView {
    pub list: Option<DutyListView>,
    /// Errors and warnings, each naming its row and column as the file has them.
    pub issues: Vec<DutyIssue>,
}

/// The versions of a jurisdiction's list, newest first.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/duty-lists", operation_id = "list_duty_lists", tag = "duty-lists",
    params(("id" = String, Path, description = "辖区单位编号")),
    responses((status = 200, body = Vec<DutyListInfoView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(unit): ApiPath<UnitId>,
) -> ApiResult<Json<Vec<DutyListInfoView>>> {
    let versions = state.orders.duty_lists(&caller.principal, unit).await?;
    Ok(Json(versions.into_iter().map(Into::into).collect()))
}

/// Uploads a list (xlsx, xls or CSV in UTF-8 or GBK, as the raw body) as the next draft.
/// With any error nothing is stored and the answer is 422 with every issue.
#[utoipa::path(post, path = "/api/v1/org-units/{id}/duty-lists", operation_id = "upload_duty_list", tag = "duty-lists",
    params(("id" = String, Path, description = "辖区单位编号")),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 201, body = DutyUploadView), (status = 422, body = DutyUploadView),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(unit): ApiPath<UnitId>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<DutyUploadView>)> {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"));
    if multipart {
        return Err(ApiError::new(
            codes::DUTY_FILE_MULTIPART,
            "请直接以文件内容作为请求体上传（Content-Type 为 xlsx 或 text/csv），不要用表单",
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_LIST_BYTES)
        .await
        .map_err(|_| ApiError::new(codes::DUTY_FILE_TOO_LARGE, "清单文件不能超过 10 MB"))?;
    let rows = duty_files::read_table(&bytes)?;
    let outcome = state
        .orders
        .import_duty_list(&caller.principal, unit, &rows, &DutyRules::default())
        .await?;
    let status = if outcome.list.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        Json(DutyUploadView {
            list: outcome.list.map(Into::into),
            issues: outcome.issues,
        }),
    ))
}

/// One version with its duties.
#[utoipa::path(get, path = "/api/v1/duty-lists/{id}", operation_id = "get_duty_list", tag = "duty-lists",
    params(("id" = String, Path, description = "清单版本编号")),
    responses((status = 200, body = DutyListView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DutyListId>,
) -> ApiResult<Json<DutyListView>> {
    Ok(Json(
        state.orders.duty_list(&caller.principal, id).await?.into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Local date (YYYY-MM-DD) from which the version governs new dispatches.
    pub effective_date: NaiveDate,
}

/// Publishes a draft with its effective date; the version with the latest effective date is
/// in force (生效), earlier ones are superseded (已废止) but still govern their own dates.
#[utoipa::path(post, path = "/api/v1/duty-lists/{id}/publish", tag = "duty-lists",
    params(("id" = String, Path, description = "清单版本编号")),
    request_body = PublishRequest,
    responses((status = 200, body = DutyListView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DutyListId>,
    ApiJson(req): ApiJson<PublishRequest>,
) -> ApiResult<Json<DutyListView>> {
    let list = state
        .orders
        .publish_duty_list(&caller.principal, id, req.effective_date)
        .await?;
    Ok(Json(list.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DownloadQuery {
    /// `xlsx` (default) or `csv` (UTF-8 with BOM).
    pub format: Option<String>,
}

/// One version as a file in the upload layout: uploading it again gives the same list.
#[utoipa::path(get, path = "/api/v1/duty-lists/{id}/file", operation_id = "download_duty_list", tag = "duty-lists",
    params(("id" = String, Path, description = "清单版本编号"), DownloadQuery),
    responses((status = 200, description = "xlsx 或 csv 文件"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DutyListId>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
) -> ApiResult<Response> {
    let format = match q.format.as_deref() {
        None | Some("xlsx") => TableFormat::Xlsx,
        Some("csv") => TableFormat::Csv,
        Some(_) => {
            return Err(ApiError::new(
                codes::REQUEST_INVALID_QUERY,
                "format 只能是 xlsx 或 csv",
            ));
        }
    };
    let mut list = state.orders.duty_list(&caller.principal, id).await?;
    state.orders.refresh_unit_names(&mut list).await?;
    let rows = table::to_rows(&list);
    let data = match format {
        TableFormat::Xlsx => duty_files::write_xlsx(&rows)?,
        TableFormat::Csv => duty_files::write_csv(&rows)?,
    };
    let mut resp = data.into_response();
    let h = resp.headers_mut();
    let name = format!("duty-list-v{}.{}", list.info.version, format.extension());
    crate::web_security::download_headers(h, format.content_type(), &name);
    // The spreadsheet types are not on the download list of viewable types; these are.
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    Ok(resp)
}
