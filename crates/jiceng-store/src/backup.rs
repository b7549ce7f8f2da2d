//! What `jiceng backup` and `jiceng restore` need from a database: a consistent snapshot taken
//! while the server may be writing, a census of what a database holds (to write into a backup's
//! manifest and to check a restore against it), and whether a restore target is empty.

use crate::SqlStore;
use crate::pool::{POSTGRES_MIGRATIONS, Pools, SQLITE_MIGRATIONS, db_err};
use jiceng_kernel::error::Error;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What a database holds, counted inside one read transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Census {
    /// The newest applied migration (0 when none is).
    pub schema_version: i64,
    /// The first root unit's name: the county the database serves.
    pub county: Option<String>,
    pub orders: i64,
    pub history: i64,
    pub audit_entries: i64,
    pub users: i64,
    pub units: i64,
}

impl Census {
    /// No unit, user, order or audit entry: nothing a restore could overwrite.
    pub fn is_empty(&self) -> bool {
        self.units == 0 && self.users == 0 && self.orders == 0 && self.audit_entries == 0
    }
}

/// One statement, so both backends count inside a single snapshot of the data. The county
/// tables are counted over every county (the roots of the org trees); the audit log over every
/// county's chain and the system chain (`$1`, its key).
const CENSUS_SQL: &str = "SELECT \
    (SELECT MAX(version) FROM _sqlx_migrations WHERE success), \
    (SELECT name FROM org_units WHERE parent_id IS NULL ORDER BY created_at, id LIMIT 1), \
    (SELECT COUNT(*) FROM work_orders WHERE county_id IN (SELECT id FROM org_units WHERE parent_id IS NULL)), \
    (SELECT COUNT(*) FROM work_order_history WHERE county_id IN (SELECT id FROM org_units WHERE parent_id IS NULL)), \
    (SELECT COUNT(*) FROM audit_log \
     WHERE county_id IN (SELECT id FROM org_units WHERE parent_id IS NULL) OR county_id = $1) \
     + (SELECT COUNT(*) FROM audit_log_closed), \
    (SELECT COUNT(*) FROM users), \
    (SELECT COUNT(*) FROM org_units)";

type CensusRow = (Option<i64>, Option<String>, i64, i64, i64, i64, i64);

fn census_of(r: CensusRow) -> Census {
    Census {
        schema_version: r.0.unwrap_or(0),
        county: r.1,
        orders: r.2,
        history: r.3,
        audit_entries: r.4,
        users: r.5,
        units: r.6,
    }
}

/// What a restore would land on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// No tables at all.
    Blank,
    /// Jiceng's schema, migrated, holding nothing (see [`Census::is_empty`]).
    MigratedEmpty(Census),
    /// Jiceng's schema holding data.
    Holding(Census),
    /// Tables that are not Jiceng's: not ours to replace.
    Foreign(i64),
}

/// A PostgreSQL read transaction whose snapshot `pg_dump --snapshot` can share: the dump and
/// the census see exactly the same rows however many writes go on meanwhile. The transaction
/// lasts until [`PgSnapshot::finish`] (or until it is dropped, which closes its connection).
pub struct PgSnapshot {
    conn: sqlx::PgConnection,
    /// The exported snapshot's name, for `pg_dump --snapshot`.
    pub id: String,
    pub census: Census,
}

impl std::fmt::Debug for PgSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSnapshot").field("id", &self.id).finish()
    }
}

impl PgSnapshot {
    pub async fn finish(mut self) -> Result<(), Error> {
        sqlx::query("COMMIT")
            .execute(&mut self.conn)
            .await
            .map_err(db_err)?;
        self.conn.close().await.map_err(db_err)
    }
}

/// The database file a `sqlite:` URL names, or `None` for another backend or an in-memory one.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    Some(opts.get_filename().to_path_buf())
}

/// The newest migration this build knows for a backend ("sqlite" or "postgres").
pub fn known_schema_version(backend: &str) -> i64 {
    let m = if backend == "sqlite" {
        &SQLITE_MIGRATIONS
    } else {
        &POSTGRES_MIGRATIONS
    };
    m.iter().map(|m| m.version).max().unwrap_or(0)
}

impl SqlStore {
    /// Counts what the database holds. Fails on a database without Jiceng's schema.
    pub async fn census(&self) -> Result<Census, Error> {
        let row: CensusRow = on_read!(self, |p| sqlx::query_as(CENSUS_SQL)
            .bind(jiceng_kernel::audit::chain::SYSTEM_KEY)
            .fetch_one(p)
            .await)
        .map_err(db_err)?;
        Ok(census_of(row))
    }

    /// Whether the database is a fit restore target, and why not.
    pub async fn restore_target(&self) -> Result<Target, Error> {
        let (tables, ours): (i64, i64) = match &self.pools {
            Pools::Sqlite { read, .. } => {
                sqlx::query_as(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE name = '_sqlx_migrations') \
                 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .fetch_one(read)
                .await
            }
            Pools::Postgres(p) => {
                sqlx::query_as(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE table_name = '_sqlx_migrations') \
                 FROM information_schema.tables WHERE table_schema = current_schema()",
                )
                .fetch_one(p)
                .await
            }
        }
        .map_err(db_err)?;
        if tables == 0 {
            return Ok(Target::Blank);
        }
        if ours == 0 {
            return Ok(Target::Foreign(tables));
        }
        let census = self.census().await?;
        Ok(if census.is_empty() {
            Target::MigratedEmpty(census)
        } else {
            Target::Holding(census)
        })
    }

    /// Writes a consistent copy of a SQLite database to `into` (absent or an empty file) with
    /// `VACUUM INTO`: it reads inside one transaction, which in WAL mode never blocks the
    /// server's writer, and the copy is compact and needs no WAL file beside it.
    pub async fn sqlite_snapshot_into(&self, into: &Path) -> Result<(), Error> {
        let Pools::Sqlite { write, .. } = &self.pools else {
            return Err(Error::internal("not a SQLite database"));
        };
        let Some(target) = into.to_str() else {
            return Err(Error::internal("the backup path is not UTF-8"));
        };
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(write)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Opens a repeatable-read transaction on PostgreSQL, exports its snapshot for `pg_dump`
    /// and takes the census inside it.
    pub async fn pg_snapshot(&self) -> Result<PgSnapshot, Error> {
        let Pools::Postgres(p) = &self.pools else {
            return Err(Error::internal("not a PostgreSQL database"));
        };
        let mut conn = p.acquire().await.map_err(db_err)?.detach();
        sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut conn)
            .await
            .map_err(db_err)?;
        let id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut conn)
            .await
            .map_err(db_err)?;
        let row: CensusRow = sqlx::query_as(CENSUS_SQL)
            .bind(jiceng_kernel::audit::chain::SYSTEM_KEY)
            .fetch_one(&mut conn)
            .await
            .map_err(db_err)?;
        Ok(PgSnapshot {
            conn,
            id,
            census: census_of(row),
        })
    }
}
