//! Chinese text for Jiceng: a classifier of citizens' messages into the categories of a
//! taxonomy, trained and run on CPU in pure Rust, and near-duplicate fingerprints.
//!
//! Features are hashed character n-grams (sublinear TF × IDF, L2-normalised), the model a
//! one-vs-rest linear SVM trained by dual coordinate descent (optionally self-trained on
//! unlabelled messages), with confidence calibrated by temperature scaling on out-of-fold
//! scores.

pub mod board;
mod calibrate;
mod classifier;
pub mod cv;
pub mod data;
pub mod dedup;
pub mod dedup_eval;
pub mod features;
pub mod format;
pub mod metrics;
pub mod model;
mod rng;
mod svm;
pub mod table;
pub mod taxonomy;

pub use classifier::{Classifier, DEFAULT_MODEL};
pub use cv::cross_validate;
pub use dedup::{Fingerprint, similarity};
pub use metrics::Evaluation;
pub use model::{Document, Example, Model, Prediction, Settings, train};
pub use taxonomy::Taxonomy;
