//! Each job's runs, failures and backlog, for tests and for the metrics exporter.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// One job's record in this process.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobStatus {
    /// Ticks started.
    pub runs: u64,
    pub successes: u64,
    pub failures: u64,
    /// Ticks not started because another server held the job's lease.
    pub lease_busy: u64,
    pub running: bool,
    pub last_run: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_failure: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub backlog: Option<u64>,
}

/// Every job's [`JobStatus`], by name.
#[derive(Debug, Clone, Default)]
pub struct JobsStatus(Arc<Mutex<BTreeMap<&'static str, JobStatus>>>);

fn seconds(t: DateTime<Utc>) -> f64 {
    t.timestamp_micros() as f64 / 1e6
}

impl JobsStatus {
    pub fn get(&self, job: &str) -> Option<JobStatus> {
        self.lock().get(job).cloned()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.lock().keys().copied().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, JobStatus>> {
        // Every update is a whole assignment: a poisoned map is still consistent.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn update(&self, job: &'static str, f: impl FnOnce(&mut JobStatus)) {
        f(self.lock().entry(job).or_default());
    }

    /// Registers the job's series at zero, so the exporter names it before its first tick.
    pub(crate) fn register(&self, job: &'static str) {
        self.update(job, |_| {});
        metrics::counter!("job_runs_total", "job" => job).increment(0);
        metrics::counter!("job_failures_total", "job" => job).increment(0);
        metrics::counter!("job_lease_busy_total", "job" => job).increment(0);
        metrics::gauge!("job_running", "job" => job).set(0.0);
    }

    pub(crate) fn started(&self, job: &'static str, at: DateTime<Utc>) {
        self.update(job, |s| {
            s.runs += 1;
            s.running = true;
            s.last_run = Some(at);
        });
        metrics::counter!("job_runs_total", "job" => job).increment(1);
        metrics::gauge!("job_running", "job" => job).set(1.0);
        metrics::gauge!("job_last_run_timestamp_seconds", "job" => job).set(seconds(at));
    }

    pub(crate) fn succeeded(&self, job: &'static str, at: DateTime<Utc>, backlog: Option<u64>) {
        self.update(job, |s| {
            s.successes += 1;
            s.running = false;
            s.last_success = Some(at);
            if backlog.is_some() {
                s.backlog = backlog;
            }
        });
        metrics::gauge!("job_running", "job" => job).set(0.0);
        metrics::gauge!("job_last_success_timestamp_seconds", "job" => job).set(seconds(at));
        if let Some(n) = backlog {
            metrics::gauge!("job_backlog", "job" => job).set(n as f64);
        }
    }

    pub(crate) fn failed(&self, job: &'static str, at: DateTime<Utc>, error: &str) {
        self.update(job, |s| {
            s.failures += 1;
            s.running = false;
            s.last_failure = Some(at);
            s.last_error = Some(error.to_owned());
        });
        metrics::counter!("job_failures_total", "job" => job).increment(1);
        metrics::gauge!("job_running", "job" => job).set(0.0);
        metrics::gauge!("job_last_failure_timestamp_seconds", "job" => job).set(seconds(at));
    }

    pub(crate) fn lease_busy(&self, job: &'static str) {
        self.update(job, |s| s.lease_busy += 1);
        metrics::counter!("job_lease_busy_total", "job" => job).increment(1);
    }
}
