//! Leases of background jobs: one row per job, taken by a single conditional upsert.

use crate::pool::{SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_kernel::error::Result;
use jiceng_kernel::lease::{Lease, LeaseStore};

#[async_trait]
impl LeaseStore for SqlStore {
    async fn take_lease(
        &self,
        job: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        // The update applies only to the holder's own lease or an expired one; the statement
        // is atomic on both backends, so of two servers racing for a free row one wins.
        let done = on_write!(self, |p| {
            sqlx::query(
                "INSERT INTO job_leases (job, holder, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
                 WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= $4",
            )
            .bind(job)
            .bind(holder)
            .bind(micros(until))
            .bind(micros(now))
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(done > 0)
    }

    async fn release_lease(&self, job: &str, holder: &str, now: DateTime<Utc>) -> Result<()> {
        on_write!(self, |p| {
            sqlx::query(
                "UPDATE job_leases SET expires_at = $3 WHERE job = $1 AND holder = $2 AND expires_at > $3",
            )
            .bind(job)
            .bind(holder)
            .bind(micros(now))
            .execute(p)
            .await
            .map(|_| ())
        })
        .map_err(db_err)
    }

    async fn get_lease(&self, job: &str) -> Result<Option<Lease>> {
        let row: Option<(String, String, i64)> = on_read!(self, |p| {
            sqlx::query_as("SELECT job, holder, expires_at FROM job_leases WHERE job = $1")
                .bind(job)
                .fetch_optional(p)
                .await
        })
        .map_err(db_err)?;
        Ok(row.map(|(job, holder, expires_at)| Lease {
            job,
            holder,
            expires_at: from_micros(expires_at),
        }))
    }
}
