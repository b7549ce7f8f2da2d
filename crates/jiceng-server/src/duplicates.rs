//! Duplicate detection's parts that run in the server: the sketcher and, at start, the
//! sketches of recent orders that have none (registered before the feature, or whose sketch
//! was not stored).

use jiceng_core::duplicates::TextSketcher;
use jiceng_core::services::Services;
use std::sync::Arc;

/// The MinHash of character 3-grams from `jiceng-nlp`.
pub fn sketcher() -> Arc<dyn TextSketcher> {
    Arc::new(jiceng_nlp::dedup::MinHash)
}

/// Fills in missing sketches once; a failure is logged and retried at the next start.
pub async fn backfill(services: Services) {
    match services.backfill_sketches().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(orders = n, "text sketches computed for recent orders"),
        Err(e) => tracing::warn!(error = %e, "text sketches of recent orders not computed"),
    }
}
