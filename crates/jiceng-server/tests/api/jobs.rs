//! The job runtime: leases keep a singleton job's ticks apart across servers on one
//! database, a dead holder's lease expires, shutdown finishes the tick in flight, a failing
//! job stays scheduled, and every job is named in the metrics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use jiceng_kernel::lease::LeaseStore;
use jiceng_server::jobs::{Job, JobContext, Running, Supervisor, Tick};
use jiceng_store::SqlStore;
use jiceng_store::testing::{self, TestDb};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Counts ticks and how many run at once, across every supervisor that runs it.
#[derive(Default)]
struct Counts {
    in_flight: AtomicUsize,
    most_at_once: AtomicUsize,
    ticks: AtomicUsize,
    finished: AtomicUsize,
    first_tick: Mutex<Option<Instant>>,
}

struct Probe {
    counts: Arc<Counts>,
    /// How long a tick takes.
    hold: Duration,
    /// The pause after a tick.
    pause: Duration,
    /// Ticks that fail before the job works.
    failures: usize,
}

#[async_trait::async_trait]
impl Job for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }

    fn retry_after(&self) -> Duration {
        Duration::from_millis(10)
    }

    async fn tick(&self, _: &JobContext) -> anyhow::Result<Tick> {
        let c = &self.counts;
        let n = c.ticks.fetch_add(1, Ordering::SeqCst) + 1;
        c.first_tick
            .lock()
            .unwrap()
            .get_or_insert_with(Instant::now);
        let now = c.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        c.most_at_once.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.hold).await;
        c.in_flight.fetch_sub(1, Ordering::SeqCst);
        c.finished.fetch_add(1, Ordering::SeqCst);
        if n <= self.failures {
            anyhow::bail!("boom {n}");
        }
        Ok(Tick::after(self.pause).with_backlog(7))
    }
}

fn probe(counts: &Arc<Counts>, hold: Duration, pause: Duration) -> Probe {
    Probe {
        counts: counts.clone(),
        hold,
        pause,
        failures: 0,
    }
}

/// A second process's view of the database: its own connection pool.
async fn second_store(db: &TestDb) -> Arc<SqlStore> {
    Arc::new(SqlStore::connect(&db.url).await.unwrap())
}

async fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn two_supervisors_never_overlap(db: TestDb) {
    let counts = Arc::new(Counts::default());
    let start = |store: Arc<SqlStore>| {
        let mut s = Supervisor::new(store).with_busy_retry(Duration::from_millis(2));
        s.add(probe(
            &counts,
            Duration::from_millis(15),
            Duration::from_millis(1),
        ));
        s.start()
    };
    let a = start(db.store.clone());
    let b = start(second_store(&db).await);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (sa, sb) = (a.status(), b.status());
    tokio::join!(a.shutdown(), b.shutdown());
    let (sa, sb) = (sa.get("probe").unwrap(), sb.get("probe").unwrap());
    assert_eq!(
        counts.most_at_once.load(Ordering::SeqCst),
        1,
        "ticks overlapped"
    );
    assert!(
        counts.ticks.load(Ordering::SeqCst) >= 10,
        "the job kept running"
    );
    assert_eq!(
        sa.runs + sb.runs,
        counts.ticks.load(Ordering::SeqCst) as u64
    );
    assert!(
        sa.lease_busy + sb.lease_busy > 0,
        "the supervisors did compete for the lease"
    );
}

#[tokio::test]
async fn two_supervisors_never_overlap_sqlite() {
    two_supervisors_never_overlap(testing::sqlite().await).await;
}

#[tokio::test]
async fn two_supervisors_never_overlap_postgres() {
    if let Some(db) = testing::postgres().await {
        two_supervisors_never_overlap(db).await;
    }
}

async fn killed_holder_is_taken_over(db: TestDb) {
    let ttl = Duration::from_millis(900);
    let stuck = Arc::new(Counts::default());
    let mut a = Supervisor::new(db.store.clone()).with_lease_ttl(ttl);
    a.add(probe(&stuck, Duration::from_secs(3600), Duration::ZERO));
    let a: Running = a.start();
    wait_until(
        "the first holder's tick runs",
        Duration::from_secs(5),
        || stuck.ticks.load(Ordering::SeqCst) == 1,
    )
    .await;
    // Held past a renewal, then killed: no release.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let killed = Instant::now();
    drop(a);

    let counts = Arc::new(Counts::default());
    let mut b = Supervisor::new(second_store(&db).await)
        .with_lease_ttl(ttl)
        .with_busy_retry(Duration::from_millis(20));
    b.add(probe(&counts, Duration::ZERO, Duration::from_secs(3600)));
    let holder_b = b.holder().to_owned();
    let b = b.start();
    wait_until(
        "the second supervisor takes over",
        Duration::from_secs(5),
        || counts.ticks.load(Ordering::SeqCst) == 1,
    )
    .await;
    let took_over = counts.first_tick.lock().unwrap().unwrap() - killed;
    // The last renewal was at most a third of the lease before the kill.
    assert!(
        took_over >= Duration::from_millis(500),
        "taken over after {took_over:?}, before the dead holder's lease expired"
    );
    assert!(b.status().get("probe").unwrap().lease_busy > 0);
    assert_eq!(stuck.finished.load(Ordering::SeqCst), 0);
    b.shutdown().await;
    let lease = db.store.get_lease("probe").await.unwrap().unwrap();
    assert_eq!(lease.holder, holder_b);
}

#[tokio::test]
async fn killed_holder_is_taken_over_sqlite() {
    killed_holder_is_taken_over(testing::sqlite().await).await;
}

#[tokio::test]
async fn killed_holder_is_taken_over_postgres() {
    if let Some(db) = testing::postgres().await {
        killed_holder_is_taken_over(db).await;
    }
}

#[tokio::test]
async fn shutdown_finishes_the_tick_in_flight_and_starts_no_new_one() {
    let db = testing::sqlite().await;
    let counts = Arc::new(Counts::default());
    let mut s = Supervisor::new(db.store.clone());
    // No pause: without the shutdown a new tick would start at once.
    s.add(probe(&counts, Duration::from_millis(300), Duration::ZERO));
    let running = s.start();
    let status = running.status();
    wait_until("the tick runs", Duration::from_secs(5), || {
        counts.in_flight.load(Ordering::SeqCst) == 1
    })
    .await;
    running.shutdown().await;
    assert_eq!(counts.ticks.load(Ordering::SeqCst), 1);
    assert_eq!(
        counts.finished.load(Ordering::SeqCst),
        1,
        "the tick finished"
    );
    let st = status.get("probe").unwrap();
    assert_eq!((st.runs, st.successes, st.running), (1, 1, false));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        counts.ticks.load(Ordering::SeqCst),
        1,
        "no tick after shutdown"
    );
    // The lease was given back: another server may run the job at once.
    let lease = db.store.get_lease("probe").await.unwrap().unwrap();
    assert!(lease.expires_at <= chrono::Utc::now());
}

#[tokio::test]
async fn a_failing_job_records_its_error_and_stays_scheduled() {
    let db = testing::sqlite().await;
    let counts = Arc::new(Counts::default());
    let mut s = Supervisor::new(db.store.clone());
    s.add(Probe {
        failures: 2,
        ..probe(&counts, Duration::ZERO, Duration::from_secs(3600))
    });
    let running = s.start();
    let status = running.status();
    wait_until("the job works again", Duration::from_secs(5), || {
        status.get("probe").unwrap().successes == 1
    })
    .await;
    let st = status.get("probe").unwrap();
    assert_eq!((st.runs, st.failures, st.successes), (3, 2, 1));
    assert_eq!(st.last_error.as_deref(), Some("boom 2"));
    assert!(st.last_failure.unwrap() <= st.last_success.unwrap());
    assert_eq!(st.backlog, Some(7));
    running.shutdown().await;
}

#[tokio::test]
async fn metrics_name_every_job_of_the_server() {
    let mut app = common::spawn(common::Backend::Sqlite).await.unwrap();
    app.dispatch.enabled = true;
    app.restart().await;
    let jobs = app.jobs.clone();
    wait_until(
        "the server started its jobs",
        Duration::from_secs(10),
        || jobs.names().len() == 5,
    )
    .await;
    let mut names = app.jobs.names();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "audit_checkpoint",
            "locator_reload",
            "model_watch",
            "sketch_backfill",
            "sweeper"
        ]
    );
    wait_until("the start-up jobs ran", Duration::from_secs(10), || {
        jobs.get("sketch_backfill").unwrap().successes == 1
            && jobs.get("audit_checkpoint").unwrap().successes >= 1
            && jobs.get("sweeper").unwrap().successes >= 1
    })
    .await;
    let text = app.metrics_text().await;
    for job in names {
        for series in ["job_runs_total", "job_failures_total", "job_running"] {
            let line = format!("{series}{{job=\"{job}\"}}");
            assert!(text.contains(&line), "{line} missing from\n{text}");
        }
    }
    for job in ["audit_checkpoint", "sketch_backfill", "sweeper"] {
        let line = format!("job_last_success_timestamp_seconds{{job=\"{job}\"}}");
        assert!(text.contains(&line), "{line} missing from\n{text}");
    }
    assert!(
        text.contains("job_backlog{job=\"audit_checkpoint\"}"),
        "{text}"
    );
}

/// A sweep that cannot read the clocks is the sweeper's last error, in the status and the
/// metrics, and the sweeper works again once the store does.
#[tokio::test]
async fn a_failed_sweep_is_the_sweepers_last_error() {
    let app = common::spawn(common::Backend::Sqlite).await.unwrap();
    let jobs = app.jobs.clone();
    wait_until("the first sweep", Duration::from_secs(10), || {
        jobs.get("sweeper").is_some_and(|s| s.successes >= 1)
    })
    .await;
    let raw = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
    sqlx::query("ALTER TABLE sla_clocks RENAME TO sla_clocks_hidden")
        .execute(&raw)
        .await
        .unwrap();
    app.wake.wake_now();
    wait_until("the failed sweep", Duration::from_secs(10), || {
        jobs.get("sweeper").is_some_and(|s| s.failures >= 1)
    })
    .await;
    let st = jobs.get("sweeper").unwrap();
    let error = st.last_error.clone().unwrap();
    assert!(error.starts_with("sweep of due clocks"), "{error}");
    assert!(
        error.contains("no such table: sla_clocks"),
        "the cause is kept: {error}"
    );
    let text = app.metrics_text().await;
    let failures: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("job_failures_total{job=\"sweeper\"} "))
        .unwrap_or_else(|| panic!("no sweeper failures in\n{text}"))
        .parse()
        .unwrap();
    assert!(failures >= 1.0, "{text}");

    sqlx::query("ALTER TABLE sla_clocks_hidden RENAME TO sla_clocks")
        .execute(&raw)
        .await
        .unwrap();
    raw.close().await;
    let successes = st.successes;
    app.wake.wake_now();
    wait_until("a sweep after the repair", Duration::from_secs(10), || {
        jobs.get("sweeper").is_some_and(|s| s.successes > successes)
    })
    .await;
}
