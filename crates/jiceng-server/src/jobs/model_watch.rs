//! Picks up a model activated by another process (the command line, another server): every
//! server holds its own classifier, so every server runs it.

use super::{Job, JobContext, Scope, Tick};
use crate::classifier::ModelManager;
use std::sync::Arc;
use std::time::Duration;

pub struct ModelWatch {
    pub manager: Arc<ModelManager>,
    pub every: Duration,
}

#[async_trait::async_trait]
impl Job for ModelWatch {
    fn name(&self) -> &'static str {
        "model_watch"
    }

    fn scope(&self) -> Scope {
        Scope::EachServer
    }

    fn first_run(&self) -> Duration {
        self.every
    }

    fn retry_after(&self) -> Duration {
        self.every
    }

    async fn tick(&self, _: &JobContext) -> anyhow::Result<Tick> {
        self.manager
            .refresh()
            .await
            .map_err(|e| anyhow::anyhow!("cannot check the active model: {}", e.message))?;
        Ok(Tick::after(self.every))
    }
}
