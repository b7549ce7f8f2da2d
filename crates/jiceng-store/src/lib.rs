//! Storage adapters for Jiceng: SQLite (embedded default, WAL mode) and PostgreSQL.
//!
//! One SQL text serves both backends (`$N` placeholders work on both); each backend has its
//! own migrations. The [`on_write!`]/[`on_read!`] macros run the same code on whichever pool
//! is configured, so each query is written once and type-checked for both databases.

#[macro_use]
mod pool;
#[macro_use]
pub mod audit;
mod area;
mod attachment;
mod auth;
#[macro_use]
mod duplicates;
mod duty;
mod lease;
mod model;
mod org;
mod rows;
#[macro_use]
mod sla;
mod throttle;
mod user;
#[macro_use]
mod work_order;
// After the modules whose macros write its rows.
mod commit;

pub mod testing;

pub use pool::{SqlStore, StoreError};

use async_trait::async_trait;
use jiceng_core::error::Result;
use jiceng_core::ports::Store;
use pool::db_err;

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        self.backend_name()
    }

    async fn ping(&self) -> Result<()> {
        let _: i32 = on_read!(self, |p| sqlx::query_scalar("SELECT 1").fetch_one(p).await)
            .map_err(db_err)?;
        Ok(())
    }
}
