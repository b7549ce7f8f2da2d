//! Audit checkpoints as a job: every poll, [`crate::audit::tick`] signs a checkpoint of each
//! chain where enough entries or time have passed, then the province checkpoint, and hands
//! new ones to the witness. One server signs at a time; the backlog is the number of entries
//! not yet under a checkpoint, over all chains.

use super::{Job, JobContext, Tick};
use crate::audit::AuditSettings;
use jiceng_kernel::audit::chain::Chain;
use jiceng_orders::use_cases::Orders;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::Mutex;

pub struct Checkpoints {
    orders: Orders,
    settings: AuditSettings,
    /// The largest checkpoint of each chain this process handed to the witness.
    exported: Mutex<HashMap<Chain, u64>>,
    client: Option<reqwest::Client>,
}

impl Checkpoints {
    pub fn new(orders: Orders, settings: AuditSettings) -> Self {
        let mut exported: HashMap<Chain, u64> = HashMap::new();
        let witnessed = settings
            .witness_file
            .as_deref()
            .and_then(|p| crate::audit::read_witness_file(p).ok())
            .unwrap_or_default();
        for c in witnessed {
            let size = exported.entry(c.chain).or_default();
            *size = (*size).max(c.size);
        }
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
