//! The classifier learns from its users: dispatchers' category corrections, and the
//! administrators' models (list, retrain, activate, roll back).

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_orders::learning::{
    CategoryCorrection, ModelId, ModelRef, StoredModel, TrainingSummary,
};
use jiceng_orders::use_cases::{RetrainOutcome, model_not_found};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    /// The right category: a taxonomy code (`城乡建设`, `城乡建设/城乡规划/违章建筑`).
    pub category: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CorrectionView {
    pub order_id: OrderId,
    /// What the classifier said.
    pub predicted: Option<String>,
    /// The model that said it (`default` or a stored model's id).
    pub model: Option<String>,
    pub category: String,
    pub corrected_by: UserId,
    pub corrected_at: DateTime<Utc>,
}

impl From<CategoryCorrection> for CorrectionView {
    fn from(c: CategoryCorrection) -> Self {
        Self {
            order_id: c.order_id,
            predicted: c.predicted,
            model: c.model,
            category: c.corrected,
            corrected_by: c.corrected_by,
            corrected_at: c.corrected_at,
        }
    }
}

/// Records a dispatcher's correction of the order's category as a labelled example for the
/// next retraining (the latest correction of an order counts). The order is not changed.
#[utoipa::path(post, path = "/api/v1/work-orders/{id}/category-correction", tag = "models",
    params(("id" = String, Path, description = "工单编号")),
    request_body = CorrectionRequest,
    responses((status = 200, body = CorrectionView), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn correct(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(req): ApiJson<CorrectionRequest>,
) -> ApiResult<Json<CorrectionView>> {
    let c = state
        .orders
        .record_correction(&caller.principal, id, &req.category)
        .await?;
    Ok(Json(c.into()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModelView {
    pub id: ModelId,
    pub created_at: DateTime<Utc>,
    /// The administrator who retrained; absent for the command line.
    pub created_by: Option<UserId>,
    #[serde(flatten)]
    pub summary: TrainingSummary,
    /// Size of the model file, bytes.
    pub size: u64,
    pub sha256: String,
    pub active: bool,
    pub activated_at: Option<DateTime<Utc>>,
    /// The model active before this one's last activation: activate it to roll back.
    pub previous: Option<String>,
}

impl From<StoredModel> for ModelView {
    fn from(m: StoredModel) -> Self {
        Self {
            id: m.id,
            created_at: m.created_at,
            created_by: m.created_by,
            summary: m.summary,
            size: m.size,
            sha256: m.sha256,
            active: m.active,
            activated_at: m.activated_at,
            previous: m.previous,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModelListView {
    /// The model in use: a stored model's id, or `default` (the built-in model).
    pub active: String,
    /// The model the server's classifier holds now (equal to `active` but for a moment after
    /// a change made elsewhere).
    pub serving: String,
    /// Whether a retraining is running.
    pub retraining: bool,
    /// Stored models, newest first.
    pub models: Vec<ModelView>,
}

/// The stored models with their figures, and which one is in use.
#[utoipa::path(get, path = "/api/v1/models", operation_id = "list_models", tag = "models",
    responses((status = 200, body = ModelListView), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<ModelListView>> {
    let l = state.orders.list_models(&caller.principal).await?;
    Ok(Json(ModelListView {
        active: l.active.to_string(),
        serving: state.models.classifier().id().to_string(),
        retraining: state.models.retraining(),
        models: l.models.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrainRequest {
    /// Activate the new model even when it scores clearly worse than the active one.
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RetrainView {
    pub model: ModelView,
    /// Whether the new model is now in use.
    pub activated: bool,
    /// Why it was not activated.
    pub refusal: Option<String>,
}

impl From<RetrainOutcome> for RetrainView {
    fn from(o: RetrainOutcome) -> Self {
        Self {
            model: o.model.into(),
            activated: o.activated,
            refusal: o.refusal,
        }
    }
}

/// Trains a model from the organisation's archived orders and dispatchers' corrections,
/// scores it beside the active model on held-out orders, stores it, and puts it in use at
/// once unless it scores clearly worse (then `activated` is false and `refusal` says why).
/// One retraining at a time.
#[utoipa::path(post, path = "/api/v1/models/retrain", tag = "models",
    request_body = RetrainRequest,
    responses((status = 201, body = RetrainView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn retrain(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<RetrainRequest>,
) -> ApiResult<(StatusCode, Json<RetrainView>)> {
    let outcome = state
        .models
        .retrain(&state.orders, &caller.principal, req.force)
        .await?;
    Ok((StatusCode::CREATED, Json(outcome.into())))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActiveView {
    /// The model now in use: a stored model's id, or `default`.
    pub active: String,
}

/// Puts a stored model, or `default` (the built-in model), in use at once. Rolling back is
/// activating the model a model names as its `previous`.
#[utoipa::path(post, path = "/api/v1/models/{id}/activate", tag = "models",
    params(("id" = String, Path, description = "模型编号，或 default（内置模型）")),
    responses((status = 200, body = ActiveView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ActiveView>> {
    // Check the role before telling whether the id exists.
    state.orders.check_model_admin(&caller.principal)?;
    let model = ModelRef::parse(&id).ok_or_else(model_not_found)?;
    let active = state
        .models
        .activate(&state.orders, &caller.principal, model)
        .await?;
    Ok(Json(ActiveView {
        active: active.to_string(),
    }))
}
