//! The dispatch engine (智能分拨): the demand's category (from the text classifier unless the
//! operator gave one) × its place (from the locator) × the responsibility list in force there
//! → the lead unit and co-units, each suggestion with the reasons a dispatcher can check.

use serde::{Deserialize, Serialize};

/// What a text classifier says about a demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The most likely category (a taxonomy code, e.g. `城乡建设`).
    pub label: String,
    /// Calibrated probability that `label` is right, 0–1.
    pub confidence: f64,
    /// The most likely categories with their probabilities, best first (`label` first).
    pub top: Vec<(String, f64)>,
}

/// Classifies a demand's text into the categories of the taxonomy. Implementations may swap
/// the model underneath (retraining, rollback) between calls.
pub trait TextClassifier: Send + Sync {
    fn classify(&self, title: &str, text: &str) -> Classification;
    /// Names the model in use (stored with each suggestion, so a decision can be traced to it).
    fn model_id(&self) -> String;
}
