//! The deadline sweep as a job: one tick is one pass of [`crate::sweeper::tick`]. Servers
//! sharing a database take turns (the steps are stored exactly once either way; the lease
//! spares the lost races), and a transition on this server wakes it early.

use super::{Job, JobContext, Tick};
use crate::sweeper::{SweeperConfig, Wake};
use anyhow::Context;
use jiceng_orders::use_cases::Orders;
use std::sync::Arc;
use std::time::Duration;

pub struct Sweep {
    pub orders: Orders,
    pub wake: Arc<Wake>,
    pub config: SweeperConfig,
}

#[async_trait::async_trait]
impl Job for Sweep {
    fn name(&self) -> &'static str {
        "sweeper"
    }

    fn retry_after(&self) -> Duration {
        self.config.max_sleep
    }

    async fn tick(&self, ctx: &JobContext) -> anyhow::Result<Tick> {
        let pause = crate::sweeper::tick(&self.orders, &self.wake, &self.config, ctx.stop_flag())
            .await
            .context("sweep of due clocks")?;
        Ok(Tick::after(pause))
    }

    async fn woken(&self) {
        self.wake.notified().await;
    }
}
