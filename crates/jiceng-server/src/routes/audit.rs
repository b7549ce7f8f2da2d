//! `/api/v1/audit`: the public key, checkpoints and proofs; an order's verified trail and
//! its evidence bundle.

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Caller};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jiceng_kernel::audit::chain::Chain;
use jiceng_kernel::error::Error;
use jiceng_kernel::error::codes;
use jiceng_kernel::ids::OrderId;
use jiceng_orders::use_cases::{ConsistencyProof, InclusionProof, Trail};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicKey {
    pub algorithm: String,
    /// The Ed25519 public key, hex; verifies every checkpoint and evidence bundle.
    pub public_key: String,
}

/// The key that verifies this server's signed checkpoints. Public: anyone may check.
#[utoipa::path(get, path = "/api/v1/audit/public-key", tag = "audit",
    responses((status = 200, body = PublicKey), (status = 404, body = ErrorBody)))]
pub async fn public_key(State(state): State<AppState>) -> ApiResult<Json<PublicKey>> {
    let key = state.orders.audit_public_key().ok_or_else(|| {
        ApiError::from(Error::new(
            codes::AUDIT_NO_KEY,
            "此服务器未配置审计签名密钥",
        ))
    })?;
    Ok(Json(PublicKey {
        algorithm: "ed25519".into(),
        public_key: key,
    }))
}

/// The chain a proof is asked of; the closed log when none is named, as before there were
/// chains.
fn chain(given: Option<&str>) -> Result<Chain, ApiError> {
    match given {
        None => Ok(Chain::Closed),
        Some(s) => Chain::parse(s).ok_or_else(|| {
            ApiError::from(Error::new(
                codes::AUDIT_INVALID_RANGE,
                "chain 须为县（区）的 ID、system 或 closed",
            ))
        }),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    /// The chain: a county's id, `system`, or `closed` (the log before chains; the default).
    pub chain: Option<String>,
    /// The entry's sequence number in its chain.
    pub seq: u64,
    /// The checkpoint's size; the latest checkpoint when absent.
    pub size: Option<u64>,
}

/// The audit path of one entry in a signed checkpoint (RFC 9162 inclusion proof).
#[utoipa::path(get, path = "/api/v1/audit/proofs/inclusion", tag = "audit",
    params(InclusionQuery),
    responses((status = 200, body = InclusionProof), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn inclusion(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> ApiResult<Json<InclusionProof>> {
    Ok(Json(
        state
            .orders
            .inclusion_proof(&caller.principal, chain(q.chain.as_deref())?, q.seq, q.size)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The chain: a county's id, `system`, or `closed` (the log before chains; the default).
    pub chain: Option<String>,
    /// The older checkpoint's size.
    pub from: u64,
    /// The newer checkpoint's size.
    pub to: u64,
}

/// The proof that a newer checkpoint extends an older one: nothing before was rewritten.
#[utoipa::path(get, path = "/api/v1/audit/proofs/consistency", tag = "audit",
    params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn consistency(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> ApiResult<Json<ConsistencyProof>> {
    Ok(Json(
        state
            .orders
            .consistency_proof(&caller.principal, chain(q.chain.as_deref())?, q.from, q.to)
            .await?,
    ))
}

/// The order's trail in plain Chinese, each entry with its verification status.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/trail", tag = "audit",
    params(("id" = String, Path)),
    responses((status = 200, body = Trail), (status = 404, body = ErrorBody)))]
pub async fn trail(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<Trail>> {
    Ok(Json(state.orders.order_trail(&caller.principal, id).await?))
}

/// The evidence bundle of an order: every entry, its inclusion proof and the signed
/// checkpoint, as one JSON file that `jiceng audit verify-bundle` checks offline.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/evidence", tag = "audit",
    params(("id" = String, Path)),
    responses((status = 200, description = "证据包（JSON 文件）"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn evidence(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Response> {
    let bundle = state.orders.evidence_bundle(&caller.principal, id).await?;
    let body = serde_json::to_vec_pretty(&bundle)
        .map_err(|_| ApiError::from(Error::internal("证据包生成失败")))?;
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"evidence-{id}.json\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
