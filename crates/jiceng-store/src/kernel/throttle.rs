//! Attempt counts: one row per scope and key, changed by compare-and-swap. An UPDATE that
//! names the old values waits for a concurrent one on the same row and then matches nothing,
//! on PostgreSQL (row lock, re-check under READ COMMITTED) as on SQLite (one writer).

use crate::pool::{SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use jiceng_kernel::error::Result;
use jiceng_kernel::ports::ThrottleStore;
use jiceng_kernel::throttle::Tally;

#[async_trait]
impl ThrottleStore for SqlStore {
    async fn read_tally(&self, scope: &str, key: &str) -> Result<Option<Tally>> {
        // Read from the writer: a replica or a lagging reader would hand out stale counts.
        let row: Option<(i64, i64)> = on_write!(self, |p| sqlx::query_as(
            "SELECT attempts, last_at FROM attempt_throttles WHERE scope = $1 AND key = $2"
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        Ok(row.map(|(attempts, last_at)| Tally {
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            last_at: from_micros(last_at),
        }))
    }

    async fn swap_tally(
        &self,
        scope: &str,
        key: &str,
        old: Option<Tally>,
        new: Tally,
    ) -> Result<bool> {
        let r = on_write!(self, |p| match old {
            None => sqlx::query(
                "INSERT INTO attempt_throttles (scope, key, attempts, last_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (scope, key) DO NOTHING"
            )
            .bind(scope)
            .bind(key)
            .bind(i64::from(new.attempts))
            .bind(micros(new.last_at))
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
            Some(o) => sqlx::query(
                "UPDATE attempt_throttles SET attempts = $3, last_at = $4 \
                 WHERE scope = $1 AND key = $2 AND attempts = $5 AND last_at = $6"
            )
            .bind(scope)
            .bind(key)
            .bind(i64::from(new.attempts))
            .bind(micros(new.last_at))
            .bind(i64::from(o.attempts))
            .bind(micros(o.last_at))
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
        })
        .map_err(db_err)?;
        Ok(r == 1)
    }
}
