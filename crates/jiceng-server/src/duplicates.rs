//! Duplicate detection's part that runs in the server: the sketcher (the sketches missing at
//! start are filled in by the `sketch_backfill` job).

use jiceng_orders::duplicates::TextSketcher;
use std::sync::Arc;

/// The MinHash of character 3-grams from `jiceng-nlp`.
pub fn sketcher() -> Arc<dyn TextSketcher> {
    Arc::new(jiceng_nlp::dedup::MinHash)
}
