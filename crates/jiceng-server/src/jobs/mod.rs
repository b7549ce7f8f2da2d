//! One runtime for the server's background work.
//!
//! Each kind of work is a typed [`Job`] in a file of its own; one [`Supervisor`] starts them
//! all and stops them all the same way: on shutdown no job starts a new tick, a tick in
//! flight is finished, and then the runtime returns. A job that must run on one server at a
//! time ([`Scope::Singleton`]) takes its lease in the database for each tick, so servers
//! sharing one PostgreSQL database take turns; a lease whose holder died expires. Every
//! job's runs, failures and backlog are kept in [`JobsStatus`] and exported as metrics with
//! a `job` label.

pub mod backfill;
pub mod checkpoint;
pub mod locator;
pub mod model_watch;
mod status;
pub mod sweep;

pub use status::{JobStatus, JobsStatus};

use crate::SystemClock;
use jiceng_kernel::clock::Clock;
use jiceng_kernel::lease::LeaseStore;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

/// Whether a job runs on every server or on one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Work on the shared database: one server per tick, under the job's lease.
    Singleton,
    /// Work on the server's own memory (its locator, its classifier): every server runs it.
    EachServer,
}

/// What a tick tells the supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub next: Next,
    /// Work known to wait, when the job can count it.
    pub backlog: Option<u64>,
}

/// When the job runs again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// After this pause, or earlier when the job is woken.
    After(Duration),
    /// Never again in this process (work done once at start).
    Done,
}

impl Tick {
    pub fn after(pause: Duration) -> Self {
        Self {
            next: Next::After(pause),
            backlog: None,
        }
    }

    pub fn done() -> Self {
        Self {
            next: Next::Done,
            backlog: None,
        }
    }

    pub fn with_backlog(mut self, n: u64) -> Self {
        self.backlog = Some(n);
        self
    }
}

/// What a running tick can see of the runtime.
#[derive(Debug, Clone)]
pub struct JobContext {
    stop: watch::Receiver<bool>,
}

impl JobContext {
    /// True once shutdown began: a long tick should end between two steps.
    pub fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// The shutdown flag, for ticks that hand it on.
    pub fn stop_flag(&self) -> &watch::Receiver<bool> {
        &self.stop
    }
}

/// A kind of background work, run tick after tick by the [`Supervisor`].
#[async_trait::async_trait]
pub trait Job: Send + Sync + 'static {
    /// Unique among the server's jobs: the lease's key and the metrics' `job` label.
    fn name(&self) -> &'static str;

    fn scope(&self) -> Scope {
        Scope::Singleton
    }

    /// The pause before the first tick.
    fn first_run(&self) -> Duration {
        Duration::ZERO
    }

    /// The pause after a failed tick.
    fn retry_after(&self) -> Duration {
        Duration::from_secs(30)
    }

    /// One unit of work. An error is recorded and logged; the job stays scheduled.
    async fn tick(&self, ctx: &JobContext) -> anyhow::Result<Tick>;

    /// Completes when work arrived before the planned next tick; never by default.
    async fn woken(&self) {
        std::future::pending::<()>().await;
    }
}

/// Starts jobs and stops them together.
pub struct Supervisor {
    jobs: Vec<Arc<dyn Job>>,
    leases: Arc<dyn LeaseStore>,
    clock: Arc<dyn Clock>,
    holder: String,
    lease_ttl: Duration,
    busy_retry: Duration,
    status: JobsStatus,
}

impl Supervisor {
    /// A supervisor taking its leases in `leases` under a holder name unique to this process.
    pub fn new(leases: Arc<dyn LeaseStore>) -> Self {
        // The recorder must exist before the jobs register their series.
        crate::metrics::handle();
        Self {
            jobs: Vec::new(),
            leases,
            clock: Arc::new(SystemClock),
            holder: format!(
                "pid{}-{}",
                std::process::id(),
                uuid::Uuid::now_v7().simple()
            ),
            lease_ttl: Duration::from_secs(60),
            busy_retry: Duration::from_secs(1),
            status: JobsStatus::default(),
        }
    }

    /// How long a lease lasts unless renewed; a running tick renews it every third of this.
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(30));
        self
    }

    /// How soon a singleton job tries again when another server holds its lease.
    pub fn with_busy_retry(mut self, pause: Duration) -> Self {
        self.busy_retry = pause;
        self
    }

    /// The clock leases are dated by (wall time by default: leases are shared between
    /// processes, whatever clock the use cases use).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn add(&mut self, job: impl Job) {
        self.add_arc(Arc::new(job));
    }

    pub fn add_arc(&mut self, job: Arc<dyn Job>) {
        self.status.register(job.name());
        self.jobs.push(job);
    }

    /// The name this process's leases are held under.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Every job's runs and failures; live while the jobs run.
    pub fn status(&self) -> JobsStatus {
        self.status.clone()
    }

    pub fn start(self) -> Running {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let shared = Arc::new(Shared {
            leases: self.leases,
            clock: self.clock,
            holder: self.holder,
            lease_ttl: self.lease_ttl,
            busy_retry: self.busy_retry,
            status: self.status.clone(),
        });
        for job in self.jobs {
            tasks.spawn(drive(job, shared.clone(), stopped.clone()));
        }
        Running {
            stop,
            tasks,
            status: self.status,
        }
    }
}

/// Started jobs. Dropping it aborts them where they are (as a killed process would);
/// [`Running::shutdown`] stops them cleanly.
pub struct Running {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    status: JobsStatus,
}

impl Running {
    /// No new tick starts; returns when the ticks in flight have finished.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while let Some(r) = self.tasks.join_next().await {
            if let Err(e) = r {
                tracing::error!(error = %e, "a background job ended abnormally");
            }
        }
    }

    pub fn status(&self) -> JobsStatus {
        self.status.clone()
    }
}

struct Shared {
    leases: Arc<dyn LeaseStore>,
    clock: Arc<dyn Clock>,
    holder: String,
    lease_ttl: Duration,
    busy_retry: Duration,
    status: JobsStatus,
}

impl Shared {
    fn until(&self) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        let now = self.clock.now();
        (
            now,
            now + chrono::Duration::from_std(self.lease_ttl).unwrap_or_default(),
        )
    }

    async fn take(&self, job: &str) -> jiceng_kernel::Result<bool> {
        let (now, until) = self.until();
        self.leases.take_lease(job, &self.holder, now, until).await
    }
}

/// Runs one job until shutdown: wait, lease, tick, release, record.
async fn drive(job: Arc<dyn Job>, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let name = job.name();
    let ctx = JobContext { stop: stop.clone() };
    let mut pause = job.first_run();
    loop {
        if *stop.borrow() {
            return;
        }
        if !pause.is_zero() {
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = job.woken() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
        if *stop.borrow() {
            return;
        }
        let singleton = job.scope() == Scope::Singleton;
        if singleton {
            match shared.take(name).await {
                Ok(true) => {}
                Ok(false) => {
                    shared.status.lease_busy(name);
                    pause = shared.busy_retry;
                    continue;
                }
                Err(e) => {
                    shared.status.failed(name, shared.clock.now(), &e.message);
                    pause = job.retry_after();
                    continue;
                }
            }
        }
        shared.status.started(name, shared.clock.now());
        let result = run_tick(job.as_ref(), &ctx, &shared, singleton).await;
        if singleton
            && let Err(e) = shared
                .leases
                .release_lease(name, &shared.holder, shared.clock.now())
                .await
        {
            // The lease runs out by itself.
            tracing::warn!(job = name, error = %e.message, "job lease not released");
        }
        let now = shared.clock.now();
        pause = match result {
            Ok(tick) => {
                shared.status.succeeded(name, now, tick.backlog);
                match tick.next {
                    Next::After(d) => d,
                    Next::Done => return,
                }
            }
            Err(e) => {
                let text = format!("{e:#}");
                tracing::warn!(job = name, error = %text, "background job failed; it runs again later");
                shared.status.failed(name, now, &text);
                job.retry_after()
            }
        };
    }
}

/// The tick, with the lease renewed while it runs so a long tick keeps it.
async fn run_tick(
    job: &dyn Job,
    ctx: &JobContext,
    shared: &Shared,
    singleton: bool,
) -> anyhow::Result<Tick> {
    let tick = job
        .tick(ctx)
        .instrument(tracing::info_span!("job.tick", job = job.name()));
    tokio::pin!(tick);
    if !singleton {
        return tick.await;
    }
    let every = shared.lease_ttl / 3;
    loop {
        tokio::select! {
            r = &mut tick => return r,
            () = tokio::time::sleep(every) => {
                match shared.take(job.name()).await {
                    Ok(true) => {}
                    Ok(false) => tracing::error!(job = job.name(), "job lease lost to another server during a tick"),
                    Err(e) => tracing::warn!(job = job.name(), error = %e.message, "job lease not renewed"),
                }
            }
        }
    }
}
