//! The locator rebuilt from storage as a job, so imported grids are used without a restart.
//! Every server keeps its own locator in memory, so every server runs it.

use super::{Job, JobContext, Scope, Tick};
use jiceng_orders::ports::OrdersStore;
use jiceng_orders::use_cases::Orders;
use std::sync::{Arc, Weak};
use std::time::Duration;

pub struct LocatorReload {
    // Weak: the job must not keep the use cases alive after the server dropped them.
    routing: Weak<jiceng_orders::use_cases::routing::Routing>,
    store: Weak<dyn OrdersStore>,
    every: Duration,
}

impl LocatorReload {
    pub fn new(orders: &Orders, every: Duration) -> Self {
        Self {
            routing: Arc::downgrade(&orders.routing),
            store: Arc::downgrade(&orders.store),
            every,
        }
    }
}

#[async_trait::async_trait]
impl Job for LocatorReload {
    fn name(&self) -> &'static str {
        "locator_reload"
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
        let (Some(routing), Some(store)) = (self.routing.upgrade(), self.store.upgrade()) else {
            return Ok(Tick::done());
        };
        let (locator, _) = jiceng_geo::load_locator(store.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("cannot reload unit outlines: {}", e.message))?;
        routing.locator.set(locator);
        Ok(Tick::after(self.every))
    }
}
