use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Code, Error};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// Runs `$body` with `$p` bound to the pool that takes writes.
macro_rules! on_write {
    ($self:expr, |$p:ident| $body:expr) => {
        match &$self.pools {
            $crate::pool::Pools::Sqlite { write: $p, .. } => $body,
            $crate::pool::Pools::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` with `$p` bound to a pool for reads.
macro_rules! on_read {
    ($self:expr, |$p:ident| $body:expr) => {
        match &$self.pools {
            $crate::pool::Pools::Sqlite { read: $p, .. } => $body,
            $crate::pool::Pools::Postgres($p) => $body,
        }
    };
}

pub(crate) enum Pools {
    /// SQLite takes one writer at a time; a single write connection queues writers in the
    /// pool instead of failing them with SQLITE_BUSY, and readers never block on it in WAL mode.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// The storage adapter for both backends, chosen by the URL scheme.
pub struct SqlStore {
    pub(crate) pools: Pools,
    /// The audit log's head as this process last wrote it.
    pub(crate) audit_head: crate::kernel::audit::HeadHint,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend_name())
            .finish()
    }
}

/// Failures of opening or migrating a database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (use sqlite://PATH or postgres://…)")]
    UnsupportedUrl,
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

pub(crate) static SQLITE_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("./migrations/sqlite");
pub(crate) static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("./migrations/postgres");

impl SqlStore {
    /// Opens the database the URL names; migrations are not applied (see [`SqlStore::migrate`]).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(StoreError::Connect)?;
            Ok(Self {
                pools: Pools::Postgres(pool),
                audit_head: Default::default(),
            })
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::Connect)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Room for a whole page of the audit log: SQLite's worker thread reads ahead
            // instead of waiting for the caller row by row (the default is 50 rows).
            .row_buffer_size(crate::kernel::audit::SCAN_PAGE as usize + 1);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .map_err(StoreError::Connect)?;
        // An in-memory database exists once per connection: readers must share the writer.
        let read = if in_memory {
            write.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts.read_only(true))
                .await
                .map_err(StoreError::Connect)?
        };
        Ok(Self {
            pools: Pools::Sqlite { read, write },
            audit_head: Default::default(),
        })
    }

    /// Applies the backend's pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await,
            Pools::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
        .map_err(StoreError::Migrate)
    }

    /// Applies the backend's migrations up to `version` only: for tests of a later migration
    /// over rows stored before it.
    pub async fn migrate_to(&self, version: i64) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { write, .. } => SQLITE_MIGRATIONS.run_to(version, write).await,
            Pools::Postgres(p) => POSTGRES_MIGRATIONS.run_to(version, p).await,
        }
        .map_err(StoreError::Migrate)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.pools {
            Pools::Sqlite { .. } => "sqlite",
            Pools::Postgres(_) => "postgres",
        }
    }

    /// Table and column names of the schema, sorted: both backends must agree.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, Error> {
        let sql_sqlite = "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
                          ORDER BY 1, 2";
        let sql_pg = "SELECT table_name::text, column_name::text FROM information_schema.columns \
                      WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY 1, 2";
        match &self.pools {
            Pools::Sqlite { read, .. } => sqlx::query_as(sql_sqlite).fetch_all(read).await,
            Pools::Postgres(p) => sqlx::query_as(sql_pg).fetch_all(p).await,
        }
        .map_err(db_err)
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(p) => p.close().await,
        }
    }
}

/// SQLSTATEs of a transaction the database aborted because concurrent ones touched the same
/// rows: a serialization failure (the default outcome of a race on distributed engines, and on
/// PostgreSQL under SERIALIZABLE) and a deadlock. Nothing of it was written; the same request,
/// read and decided again, will likely pass.
const RETRYABLE: [&str; 2] = ["40001", "40P01"];

/// Seconds a client is told to wait when a request kept losing such races.
const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// A database fault: logged in full, reported to the caller without internals. A violated
/// constraint is a request that clashes with stored data (a value twice, a reference to
/// nothing), not an outage: 409, with the constraint kept in the log. A lost race (see
/// [`RETRYABLE`]) is `storage.busy`, which the server retries before answering 503.
pub(crate) fn db_err(e: sqlx::Error) -> Error {
    if let Some(d) = e.as_database_error() {
        if d.code().is_some_and(|c| RETRYABLE.contains(&c.as_ref())) {
            tracing::warn!(error = %e, "transaction aborted by a concurrent one");
            let mut busy = Error::of(codes::STORAGE_BUSY).with_source(e);
            busy.retry_after = Some(BUSY_RETRY_AFTER_SECS);
            return busy;
        }
        let clash = match d.kind() {
            sqlx::error::ErrorKind::UniqueViolation => Some("已存在相同的记录"),
            sqlx::error::ErrorKind::ForeignKeyViolation => Some("引用的记录不存在或仍被引用"),
            sqlx::error::ErrorKind::CheckViolation | sqlx::error::ErrorKind::NotNullViolation => {
                Some("数据不符合约束")
            }
            _ => None,
        };
        // A data exception (class 22: a NUL in text, a number or date out of range) is the
        // input's fault, never the server's.
        if d.code().is_some_and(|c| c.starts_with("22")) {
            tracing::warn!(error = %e, "value refused by the database");
            return Error::of(codes::STORAGE_INVALID_VALUE).with_source(e);
        }
        if let Some(what) = clash {
            tracing::warn!(error = %e, constraint = ?d.constraint(), "constraint violated");
            return Error::new(
                codes::STORAGE_CONFLICT,
                format!("{what}，未作任何更改；请刷新后检查输入再试"),
            )
            .with_source(e);
        }
    }
    tracing::error!(error = %e, "database error");
    Error::internal("数据库暂时不可用，请稍后重试").with_source(e)
}

/// Maps a unique-constraint violation to a 409 with the given code and message.
pub(crate) fn unique_or_db_err(e: sqlx::Error, code: Code, message: &str) -> Error {
    match e.as_database_error() {
        Some(d) if d.is_unique_violation() => Error::new(code, message).with_source(e),
        _ => db_err(e),
    }
}
