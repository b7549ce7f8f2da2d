//! The classifier learns from its users (模型自学习): each dispatcher's correction of an
//! order's category is kept as a labelled example; retraining builds a model from the
//! organisation's archived orders plus the corrections, scores it on a held-out part of its
//! own orders beside the model in use, and activates it only when it is not clearly worse.
//! Every stored model stays, so the one before can be activated again (rollback).
//!
//! The rules (what is trained on, what is held out, when a model is refused) are in [`plan`];
//! the use cases in `use_cases::classifier`; training itself happens behind [`ModelTrainer`].

pub mod plan;
pub mod records;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::error::Result;
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_kernel::org::UnitPath;
use serde::{Deserialize, Serialize};

/// The name of the model built into the binary, used while no stored model is active.
pub const BUILTIN_MODEL: &str = "default";

pub use jiceng_kernel::ids::ModelId;

/// Which model: a stored one, or the one built into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelRef {
    Builtin,
    Stored(ModelId),
}

impl ModelRef {
    /// `default` or a stored model's id.
    pub fn parse(s: &str) -> Option<Self> {
        if s == BUILTIN_MODEL {
            Some(Self::Builtin)
        } else {
            ModelId::parse(s).map(Self::Stored)
        }
    }
    pub fn stored(self) -> Option<ModelId> {
        match self {
            Self::Builtin => None,
            Self::Stored(id) => Some(id),
        }
    }
}

impl std::fmt::Display for ModelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Builtin => f.write_str(BUILTIN_MODEL),
            Self::Stored(id) => id.fmt(f),
        }
    }
}

/// A dispatcher's correction of an order's category: the latest one per order counts. The
/// order's title and text are read from the order when training; nothing about the caller
/// is kept here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryCorrection {
    /// The county of the order.
    pub county: jiceng_kernel::ids::CountyId,
    pub order_id: OrderId,
    /// What the classifier said when the correction was made (none without a classifier).
    pub predicted: Option<String>,
    /// The model that said it (`default` or a stored model's id).
    pub model: Option<String>,
    /// The right category, a taxonomy code.
    pub corrected: String,
    pub corrected_by: UserId,
    pub corrected_at: DateTime<Utc>,
}

/// A message with its category, as training and evaluation take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledText {
    pub label: String,
    pub title: String,
    pub text: String,
}

/// One of the organisation's own labelled orders: its category, or the correction's when
/// a dispatcher corrected it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingRow {
    pub order_id: OrderId,
    pub title: String,
    pub text: String,
    pub label: String,
    pub corrected: bool,
}

/// What a retraining used and how its model scored; stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingSummary {
    /// The model's categories.
    pub labels: Vec<String>,
    /// Archived, uncorrected orders with a category, the held-out ones included.
    pub archived_orders: u32,
    /// Corrected orders, all used for training.
    pub corrections: u32,
    /// Examples of the shipped training data added because the own data was small.
    pub base_examples: u32,
    /// Archived orders held out to score the models (not trained on).
    pub holdout: u32,
    /// Macro-F1 of this model on the holdout.
    pub macro_f1: f64,
    /// The model that was active when this one was trained.
    pub baseline_model: String,
    /// Macro-F1 of that model on the same holdout.
    pub baseline_f1: f64,
    /// Wall time of training and scoring, seconds.
    pub seconds: f64,
}

/// A stored model, without its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredModel {
    pub id: ModelId,
    pub created_at: DateTime<Utc>,
    /// The administrator who retrained; `None` for the command line.
    pub created_by: Option<UserId>,
    pub summary: TrainingSummary,
    /// Size of the model file, bytes.
    pub size: u64,
    /// SHA-256 of the model file, hex.
    pub sha256: String,
    pub active: bool,
    /// When it was last activated.
    pub activated_at: Option<DateTime<Utc>>,
    /// The model that was active before its last activation (`default` or an id): what
    /// activating again rolls back to.
    pub previous: Option<String>,
}

/// Corrections and models on both backends.
#[async_trait]
pub trait ClassifierStore: Send + Sync {
    async fn get_correction(
        &self,
        county: jiceng_kernel::ids::CountyId,
        order: OrderId,
    ) -> Result<Option<CategoryCorrection>>;
    /// The labelled orders whose region lies in `scope` (empty: all): archived ones with a
    /// category, and corrected ones in any state but merged, with the correction's label.
    /// Ordered by order id.
    async fn training_rows(&self, scope: &[UnitPath]) -> Result<Vec<TrainingRow>>;
    /// Stores a new model (inactive) with its file and audit record.
    async fn insert_model(&self, m: &StoredModel, bytes: &[u8], audit: &AuditRecord) -> Result<()>;
    /// Every stored model, newest first, without their files.
    async fn list_models(&self) -> Result<Vec<StoredModel>>;
    async fn get_model(&self, id: ModelId) -> Result<Option<StoredModel>>;
    async fn model_bytes(&self, id: ModelId) -> Result<Option<Vec<u8>>>;
    /// The active stored model; `None`: the built-in one. Cheap: servers poll it.
    async fn active_model(&self) -> Result<Option<ModelId>>;
    /// Makes `model` the active one (`None`: the built-in model), recording in it the model
    /// active before, with the audit record, in one transaction. An unknown id is
    /// `model.not_found` (404).
    async fn activate_model(
        &self,
        model: Option<ModelId>,
        at: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> Result<()>;
}

/// A freshly trained model.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedModel {
    /// The model file.
    pub bytes: Vec<u8>,
    pub labels: Vec<String>,
    /// Wall time of training, seconds.
    pub seconds: f64,
}

/// Trains and scores classifiers (the nlp crate, run off the async threads).
#[async_trait]
pub trait ModelTrainer: Send + Sync {
    /// Labels of the built-in model.
    fn builtin_labels(&self) -> Vec<String>;
    /// The shipped training data added to small own data (may be empty).
    fn base_examples(&self) -> &[LabelledText];
    /// Trains a model on `examples` with the built-in model's settings.
    async fn train(&self, examples: Vec<LabelledText>) -> Result<TrainedModel>;
    /// Macro-F1 of a model file (`None`: the built-in model) on `holdout`.
    async fn macro_f1(&self, model: Option<Vec<u8>>, holdout: Vec<LabelledText>) -> Result<f64>;
}
