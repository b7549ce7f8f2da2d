//! Leases on background jobs: a job that must not run twice at once across the servers
//! sharing one database takes its lease for one tick. The expiry frees a lease whose holder
//! died mid-tick, so a crashed server never blocks a job for longer than one lease.

use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A job's lease as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub job: String,
    pub holder: String,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes `job`'s lease for `holder` until `until`, or extends it when `holder` has it
    /// already. False when another holder's lease has not expired at `now`.
    async fn take_lease(
        &self,
        job: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool>;
    /// Ends `holder`'s lease at `now`; nothing when another holds it.
    async fn release_lease(&self, job: &str, holder: &str, now: DateTime<Utc>) -> Result<()>;
    async fn get_lease(&self, job: &str) -> Result<Option<Lease>>;
}
