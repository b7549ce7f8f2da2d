//! Wires the dispatch engine into the server: the text classifier, the locator built from
//! the stored outlines and place names (rebuilt periodically, so an import of grids is picked
//! up without a restart), and the threshold for automatic dispatch.

use jiceng_core::routing::{Classification, TextClassifier};
use jiceng_core::services::Services;
use std::sync::Arc;
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

/// The classifier of `jiceng-nlp` behind the core's port.
pub struct NlpClassifier {
    inner: jiceng_nlp::Classifier,
    id: String,
}

impl NlpClassifier {
    /// The model shipped with the binary.
    pub fn embedded() -> anyhow::Result<Self> {
        Ok(Self {
            inner: jiceng_nlp::Classifier::embedded()
                .map_err(|e| anyhow::anyhow!("the shipped classifier model is unreadable: {e}"))?,
            id: "default".into(),
        })
    }

    pub fn new(inner: jiceng_nlp::Classifier, id: impl Into<String>) -> Self {
        Self {
            inner,
            id: id.into(),
        }
    }
}

impl TextClassifier for NlpClassifier {
    fn classify(&self, title: &str, text: &str) -> Classification {
        let p = self.inner.predict(title, text);
        Classification {
            label: p.label,
            confidence: f64::from(p.confidence),
            top: p.top.into_iter().map(|(l, c)| (l, f64::from(c))).collect(),
        }
    }

    fn model_id(&self) -> String {
        self.id.clone()
    }
}

/// Services with the engine on: the shipped classifier unless one is installed already, and
/// the locator loaded from storage.
pub async fn with_engine(services: Services, s: &DispatchSettings) -> anyhow::Result<Services> {
    let services = match services.classifier {
        Some(_) => services,
        None => services.with_classifier(Arc::new(NlpClassifier::embedded()?)),
    };
    let (locator, warnings) = jiceng_geo::load_locator(services.store.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!("cannot load unit outlines: {}", e.message))?;
    for w in warnings {
        tracing::warn!(warning = %w, "unit outline skipped");
    }
    Ok(services.with_routing(Some(locator), s.auto_threshold))
}

/// Rebuilds the locator every `every` until the services are gone.
pub async fn reload_locator(services: Services, every: Duration) {
    let routing = Arc::downgrade(&services.routing);
    let store = Arc::downgrade(&services.store);
    drop(services);
    loop {
        tokio::time::sleep(every).await;
        let (Some(routing), Some(store)) = (routing.upgrade(), store.upgrade()) else {
            return;
        };
        match jiceng_geo::load_locator(store.as_ref()).await {
            Ok((locator, _)) => routing.locator.set(locator),
            Err(e) => tracing::warn!(error = %e.message, "cannot reload unit outlines"),
        }
    }
}
