//! Audit checkpoints as a job: every poll, [`crate::audit::tick`] signs a checkpoint when
//! enough entries or time have passed and hands new ones to the witness. One server signs
//! at a time; the backlog is the number of entries not yet under a checkpoint.

use super::{Job, JobContext, Tick};
use crate::audit::AuditSettings;
use jiceng_orders::use_cases::Orders;
use std::time::Duration;
use tokio::sync::Mutex;

pub struct Checkpoints {
    orders: Orders,
    settings: AuditSettings,
    /// The largest checkpoint this process handed to the witness.
    exported: Mutex<u64>,
    client: Option<reqwest::Client>,
}

impl Checkpoints {
    pub fn new(orders: Orders, settings: AuditSettings) -> Self {
        let exported = settings
            .witness_file
            .as_deref()
            .and_then(|p| crate::audit::read_witness_file(p).ok())
            .and_then(|v| v.iter().map(|c| c.size).max())
            .unwrap_or(0);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .ok();
        Self {
            orders,
            settings,
            exported: Mutex::new(exported),
            client,
        }
    }
}

#[async_trait::async_trait]
impl Job for Checkpoints {
    fn name(&self) -> &'static str {
        "audit_checkpoint"
    }

    fn retry_after(&self) -> Duration {
        self.settings.poll
    }

    async fn tick(&self, _: &JobContext) -> anyhow::Result<Tick> {
        let mut exported = self.exported.lock().await;
        let backlog = crate::audit::tick(
            &self.orders,
            &self.settings,
            &mut exported,
            self.client.as_ref(),
        )
        .await?;
        Ok(Tick::after(self.settings.poll).with_backlog(backlog))
    }
}
