//! Text sketches for recent orders that have none (registered before duplicate detection,
//! or whose sketch was not stored), computed once at start by one server.

use super::{Job, JobContext, Tick};
use jiceng_orders::use_cases::Orders;
use std::time::Duration;

pub struct SketchBackfill {
    pub orders: Orders,
}

#[async_trait::async_trait]
impl Job for SketchBackfill {
    fn name(&self) -> &'static str {
        "sketch_backfill"
    }

    fn retry_after(&self) -> Duration {
        Duration::from_secs(600)
    }

    async fn tick(&self, _: &JobContext) -> anyhow::Result<Tick> {
        let n = self.orders.backfill_sketches().await.map_err(|e| {
            anyhow::anyhow!("text sketches of recent orders not computed: {}", e.message)
        })?;
        if n > 0 {
            tracing::info!(orders = n, "text sketches computed for recent orders");
        }
        Ok(Tick::done())
    }
}
