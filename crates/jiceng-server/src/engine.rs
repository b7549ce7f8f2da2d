//! Wires the dispatch engine into the server: the text classifier, the locator built from
//! the stored outlines and place names (rebuilt periodically, so an import of grids is picked
//! up without a restart: the `locator_reload` job), and the threshold for automatic dispatch.

use jiceng_orders::use_cases::Orders;
use std::time::Duration;

/// `[dispatch]` settings.
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// Run the engine on registration and after returns.
    pub enabled: bool,
    /// Suggestions at or above this confidence are dispatched without a dispatcher.
    pub auto_threshold: f64,
    /// How often the locator is rebuilt from storage.
    pub locator_reload: Duration,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            auto_threshold: 0.9,
            locator_reload: Duration::from_secs(300),
        }
    }
}

/// The use cases with the engine on, classifying with their classifier (the server installs
/// the active model first) and locating with the locator loaded from storage.
pub async fn with_engine(orders: Orders, s: &DispatchSettings) -> anyhow::Result<Orders> {
    let (locator, warnings) = jiceng_geo::load_locator(orders.store.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!("cannot load unit outlines: {}", e.message))?;
    for w in warnings {
        tracing::warn!(warning = %w, "unit outline skipped");
    }
    Ok(orders.with_routing(Some(locator), s.auto_threshold))
}
