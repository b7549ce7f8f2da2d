//! `POST /api/v1/personal-data/export` and `POST /api/v1/personal-data/erase`
//!
//! A citizen's requests about their data (个人信息保护法): a copy of what the jurisdiction's
//! orders hold about them, and the erasure of their contact data. The phone travels in the
//! body, never in the address, so no access log or proxy keeps it.

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Caller};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::text::mask_phone;
use jiceng_orders::use_cases::CitizenOrder;
use jiceng_orders::work_order::erasure::{CallerPart, caller_name};
use jiceng_orders::work_order::{Channel, Status};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// The citizen's phone number, as they gave it (5–20 digits).
    pub phone: String,
}

/// One order as the citizen's copy shows it: what they asked, where, and what became of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CitizenOrderView {
    pub id: OrderId,
    pub number: String,
    /// How the citizen appears on it: its caller, or a caller of a duplicate merged into it.
    pub part: CallerPart,
    /// The name the citizen gave.
    pub name: Option<String>,
    pub phone: String,
    pub channel: Channel,
    pub status: Status,
    pub status_label: String,
    pub category: Option<String>,
    pub title: String,
    pub content: String,
    pub address: Option<String>,
    pub region_name: String,
    pub reply: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Everything the jurisdiction's orders hold about one citizen.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonalDataExport {
    /// The phone looked up, masked as the audit log records the export.
    pub phone_masked: String,
    pub count: usize,
    pub orders: Vec<CitizenOrderView>,
}

fn view(c: CitizenOrder, phone: &str) -> CitizenOrderView {
    let o = c.order;
    CitizenOrderView {
        name: caller_name(&o, phone).map(str::to_owned),
        phone: phone.to_owned(),
        part: c.part,
        id: o.id,
        number: o.number,
        channel: o.channel,
        status: o.status,
        status_label: o.status.label_zh().to_owned(),
        category: o.category,
        title: o.title,
        content: o.content,
        address: o.address,
        region_name: o.region.unit_name,
        reply: o.reply,
        created_at: o.created_at,
        updated_at: o.updated_at,
    }
}

/// Finds every order of the caller's jurisdiction on which the phone is a caller or a
/// merged caller, and answers the citizen's copy of them. Administrators only; the export is
/// recorded in the audit log with the phone masked.
#[utoipa::path(post, path = "/api/v1/personal-data/export", tag = "personal-data",
    request_body = ExportRequest,
    responses((status = 200, body = PersonalDataExport),
              (status = 400, body = ErrorBody, description = "电话号码格式不正确"),
              (status = 403, body = ErrorBody, description = "只有系统管理员可以导出")))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<ExportRequest>,
) -> ApiResult<Json<PersonalDataExport>> {
    let found = state
        .orders
        .export_personal_data(&caller.principal, &b.phone)
        .await?;
    let phone = found.phone;
    let orders: Vec<CitizenOrderView> = found.orders.into_iter().map(|c| view(c, &phone)).collect();
    Ok(Json(PersonalDataExport {
        phone_masked: mask_phone(&phone),
        count: orders.len(),
        orders,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// The citizen's phone number (5–20 digits).
    pub phone: String,
    /// Only these orders (each must be in the caller's jurisdiction); all of the citizen's
    /// orders of the jurisdiction when absent.
    #[serde(default)]
    pub order_ids: Option<Vec<OrderId>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErasedOrder {
    pub id: OrderId,
    pub number: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErasureView {
    /// How many orders were erased now; 0 when nothing of the citizen was left.
    pub erased: usize,
    pub orders: Vec<ErasedOrder>,
}

/// Erases the citizen's name and phone (and their mentions in the order's text) from the
/// orders of the caller's jurisdiction. The orders, their history and figures stay; each
/// erased order gets a history entry and a redaction record, and the erasure an audit entry,
/// none holding the data. Erasing again answers `erased: 0`.
#[utoipa::path(post, path = "/api/v1/personal-data/erase", tag = "personal-data",
    request_body = EraseRequest,
    responses((status = 200, body = ErasureView),
              (status = 400, body = ErrorBody, description = "电话号码格式不正确"),
              (status = 403, body = ErrorBody, description = "只有系统管理员可以删除"),
              (status = 404, body = ErrorBody, description = "所列工单不存在或不在辖区内"),
              (status = 409, body = ErrorBody, description = "工单同时被他人处理，请重试")))]
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<EraseRequest>,
) -> ApiResult<Json<ErasureView>> {
    let out = state
        .orders
        .erase_personal_data(&caller.principal, &b.phone, b.order_ids.as_deref())
        .await?;
    Ok(Json(ErasureView {
        erased: out.erased.len(),
        orders: out
            .erased
            .into_iter()
            .map(|(id, number)| ErasedOrder { id, number })
            .collect(),
    }))
}
