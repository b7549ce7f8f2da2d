//! Storage adapters for Jiceng: SQLite (embedded default, WAL mode) and PostgreSQL.
//!
//! One SQL text serves both backends (`$N` placeholders work on both); each backend has its
//! own migrations. The [`on_write!`]/[`on_read!`] macros run the same code on whichever pool
//! is configured, so each query is written once and type-checked for both databases.

#[macro_use]
mod pool;
#[macro_use]
mod kernel;
mod accounts;
// Before the contexts whose commits write clock rows and escalation records.
#[macro_use]
mod deadlines;
mod orders;
mod rows;

pub mod backup;

pub mod testing;

pub use kernel::audit;
pub use pool::{SqlStore, StoreError};

use async_trait::async_trait;
use jiceng_kernel::error::Result;
use jiceng_kernel::ports::Backend;
use pool::db_err;

#[async_trait]
impl Backend for SqlStore {
    fn backend(&self) -> &'static str {
        self.backend_name()
    }

    async fn ping(&self) -> Result<()> {
        let _: i32 = on_read!(self, |p| sqlx::query_scalar("SELECT 1").fetch_one(p).await)
            .map_err(db_err)?;
        Ok(())
    }
}
