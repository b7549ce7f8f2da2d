//! The sweeper: a job of the server's runtime that fires due warnings and escalations.
//!
//! It reads only due rows through the index on the next due instant, then sleeps until the
//! earliest next one (capped), or until a transition signals an earlier one. Time is the
//! use cases' injected clock, so tests jump in time and wake it. Exactly-once comes from the
//! storage (version check and unique key), not from this task: any number may run.

use chrono::{DateTime, Utc};
use jiceng_orders::sla::DueSignal;
use jiceng_orders::use_cases::Orders;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Settings of the sweeper.
#[derive(Debug, Clone)]
pub struct SweeperConfig {
    pub enabled: bool,
    /// Due clocks taken per query.
    pub batch: u32,
    /// The longest sleep, so a clock set by another process is seen within this time.
    pub max_sleep: Duration,
}

impl Default for SweeperConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            batch: 200,
            max_sleep: Duration::from_secs(30),
        }
    }
}

/// Wakes the sweeper: when a transition sets a due instant before the planned wake-up, or
/// when asked (tests that move the clock).
#[derive(Debug)]
pub struct Wake {
    notify: Notify,
    /// The planned wake-up, microseconds on the use cases' clock.
    planned: AtomicI64,
}

impl Default for Wake {
    fn default() -> Self {
        Self {
            notify: Notify::new(),
            planned: AtomicI64::new(i64::MAX),
        }
    }
}

impl Wake {
    pub fn wake_now(&self) {
        self.notify.notify_one();
    }

    /// Completes at the next wake-up (one given while nobody waited is kept for the next wait).
    pub async fn notified(&self) {
        self.notify.notified().await;
    }
}

impl DueSignal for Wake {
    fn due_at(&self, at: DateTime<Utc>) {
        if at.timestamp_micros() < self.planned.load(Ordering::Relaxed) {
            self.notify.notify_one();
        }
    }
}

/// One pass: fires what is due, then plans the next wake-up and returns the pause until it
/// (the runtime sleeps it, or less when a transition wakes the sweeper). A failed read of the
/// store ends the pass with its error, which the runtime records as the job's last error
/// before it tries again.
pub async fn tick(
    orders: &Orders,
    wake: &Wake,
    config: &SweeperConfig,
    stop: &watch::Receiver<bool>,
) -> jiceng_kernel::Result<Duration> {
    let progressed = sweep_all(orders, config.batch, stop).await?;
    let now = orders.clock.now();
    let mut sleep = match orders.next_due().await? {
        Some(t) => (t - now).to_std().unwrap_or(Duration::ZERO),
        None => config.max_sleep,
    };
    if !progressed {
        // A due row that cannot fire must not spin the loop.
        sleep = sleep.max(Duration::from_millis(500));
    }
    let sleep = sleep.min(config.max_sleep);
    let planned = now + chrono::Duration::from_std(sleep).unwrap_or_default();
    wake.planned
        .store(planned.timestamp_micros(), Ordering::Relaxed);
    Ok(sleep)
}

/// Sweeps batch after batch while full batches make progress; whether anything fired.
async fn sweep_all(
    orders: &Orders,
    batch: u32,
    stop: &watch::Receiver<bool>,
) -> jiceng_kernel::Result<bool> {
    let mut progressed = false;
    loop {
        let o = orders.sweep_due(batch).await?;
        if o.fired > 0 {
            progressed = true;
            tracing::debug!(
                fired = o.fired,
                lost = o.lost_races,
                "sweeper fired due steps"
            );
        }
        if o.due < batch as usize || o.fired == 0 || *stop.borrow() {
            return Ok(progressed || o.lost_races > 0);
        }
    }
}
