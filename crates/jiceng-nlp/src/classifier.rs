//! The classifier a server holds: a loaded model behind a small API. `Send + Sync` and
//! immutable, so one `Arc<Classifier>` serves every request; retraining builds a new one.

use crate::format;
use crate::model::{Model, Prediction};
use jiceng_kernel::Error;
use jiceng_kernel::error::codes;
use std::path::Path;

/// The default model, trained on the real messages of `gov-messages/train.csv` with the
/// default settings; `jiceng model train --data …/train.csv --out …/default.jcm` reproduces
/// it byte for byte (README, "Text classifier").
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../model/default.jcm");

#[derive(Debug, Clone)]
pub struct Classifier {
    model: Model,
}

impl Classifier {
    pub fn new(model: Model) -> Self {
        Self { model }
    }

    /// The model shipped in the binary.
    pub fn embedded() -> Result<Self, Error> {
        Self::from_bytes(DEFAULT_MODEL)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        format::from_bytes(bytes).map(Self::new)
    }

    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::new(
                codes::MODEL_UNREADABLE,
                format!("无法读取模型文件 {}：{e}", path.display()),
            )
        })?;
        Self::from_bytes(&bytes).map_err(|mut e| {
            e.message = format!("{}：{}", path.display(), e.message);
            e
        })
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        format::to_bytes(&self.model)
    }

    /// The category of a message, its calibrated probability, and every category ranked.
    /// Any text is accepted: an empty one gets the prior-like answer of the biases with a
    /// low confidence, a very long one is read up to the model's `max_chars`.
    pub fn predict(&self, title: &str, text: &str) -> Prediction {
        self.model.predict(title, text)
    }

    pub fn labels(&self) -> &[String] {
        &self.model.labels
    }

    pub fn model(&self) -> &Model {
        &self.model
    }
}
