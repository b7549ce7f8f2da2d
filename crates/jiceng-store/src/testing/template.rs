//! Migrated once, copied per test. Running all migrations for every test database made each
//! test pay for the whole schema history; a copy of a migrated template costs a file copy
//! (SQLite) or one `CREATE DATABASE … TEMPLATE` (PostgreSQL).
//!
//! A template is named by a hash of the migrations compiled into this crate, so a changed or
//! added migration gets a new template instead of a stale one, and test binaries of different
//! branches on one machine or server never share a template of another schema. Each template is
//! built under a unique name and moved into place in one step (a file rename, a database
//! rename), so a concurrent test process either sees no template or a complete one.

use crate::pool::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use sqlx::Connection;
use sqlx::migrate::Migration;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::OnceCell;

/// A short, stable digest of migrations (version and checksum of each): FNV-1a over bytes that
/// are themselves SHA-384 checksums, so it needs no strength of its own.
pub fn migrations_key(migrations: &[Migration]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for m in migrations {
        eat(&m.version.to_le_bytes());
        eat(&m.checksum);
    }
    format!("{h:016x}")
}

/// Where the SQLite template of the current migrations lives (it may not exist yet).
pub fn sqlite_template_path() -> PathBuf {
    std::env::temp_dir().join(format!(
        "jiceng-tpl-{}.db",
        migrations_key(&SQLITE_MIGRATIONS.migrations)
    ))
}

/// The name of the PostgreSQL template database of the current migrations.
pub fn postgres_template_name() -> String {
    format!(
        "jiceng_tpl_{}",
        migrations_key(&POSTGRES_MIGRATIONS.migrations)
    )
}

/// The SQLite template's path, built by the first caller in this process unless another
/// process already made it.
pub(super) async fn sqlite_template() -> Result<&'static Path, String> {
    static READY: OnceCell<PathBuf> = OnceCell::const_new();
    READY
        .get_or_try_init(|| async {
            let path = sqlite_template_path();
            if !path.exists() {
                build_sqlite_template(&path).await?;
            }
            Ok(path)
        })
        .await
        .map(PathBuf::as_path)
}

async fn build_sqlite_template(path: &Path) -> Result<(), String> {
    let tmp = path.with_extension(format!("{}.tmp", uuid::Uuid::now_v7().simple()));
    // Rollback journal, not WAL: the template must be one self-contained file to copy.
    let opts = SqliteConnectOptions::new()
        .filename(&tmp)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Delete)
        .foreign_keys(true);
    let built = async {
        let mut conn = sqlx::SqliteConnection::connect_with(&opts)
            .await
            .map_err(|e| format!("open {}: {e}", tmp.display()))?;
        SQLITE_MIGRATIONS
            .run(&mut conn)
            .await
            .map_err(|e| format!("migrate the SQLite template: {e}"))?;
        conn.close()
            .await
            .map_err(|e| format!("close the SQLite template: {e}"))?;
        // Another process may have won the race: its template is as good as ours.
        std::fs::rename(&tmp, path).map_err(|e| format!("rename {}: {e}", tmp.display()))
    }
    .await;
    if built.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    built
}

/// Copies the SQLite template into `file`.
pub(super) async fn sqlite_copy(file: &Path) -> Result<(), String> {
    let template = sqlite_template().await?;
    std::fs::copy(template, file)
        .map(drop)
        .map_err(|e| format!("copy {} to {}: {e}", template.display(), file.display()))
}

/// The PostgreSQL template's name, created and migrated by the first caller in this process
/// unless it already exists on the server.
pub(super) async fn postgres_template(admin_url: &str) -> Result<&'static str, String> {
    static READY: OnceCell<String> = OnceCell::const_new();
    READY
        .get_or_try_init(|| build_postgres_template(admin_url))
        .await
        .map(String::as_str)
}

async fn build_postgres_template(admin_url: &str) -> Result<String, String> {
    let name = postgres_template_name();
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .map_err(|e| format!("the PostgreSQL server is unreachable: {e}"))?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await
        .map_err(|e| format!("look up {name}: {e}"))?;
    if exists.is_none() {
        let tmp = format!("{name}_{}", uuid::Uuid::now_v7().simple());
        execute(&mut admin, &format!("CREATE DATABASE {tmp}")).await?;
        let migrated = migrate_postgres(&super::replace_database(admin_url, &tmp)).await;
        let renamed = match migrated {
            Ok(()) => {
                execute(
                    &mut admin,
                    &format!("ALTER DATABASE {tmp} RENAME TO {name}"),
                )
                .await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = renamed {
            let _ = execute(&mut admin, &format!("DROP DATABASE IF EXISTS {tmp}")).await;
            // Another process renamed its own template into place first.
            if !e.contains("42P04") {
                return Err(e);
            }
        }
    }
    let _ = admin.close().await;
    Ok(name)
}

async fn migrate_postgres(url: &str) -> Result<(), String> {
    // One connection, closed before the rename: a template must have no sessions to be
    // renamed or copied.
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| format!("open the PostgreSQL template: {e}"))?;
    POSTGRES_MIGRATIONS
        .run(&mut conn)
        .await
        .map_err(|e| format!("migrate the PostgreSQL template: {e}"))?;
    conn.close()
        .await
        .map_err(|e| format!("close the PostgreSQL template: {e}"))
}

/// Creates database `name` as a copy of `template`. A session that has only just closed can
/// still hold the template for a moment ("being accessed by other users", 55006): retry.
pub(super) async fn postgres_copy(
    admin: &mut sqlx::PgConnection,
    name: &str,
    template: &str,
) -> Result<(), String> {
    let sql = format!("CREATE DATABASE {name} TEMPLATE {template}");
    let mut tries = 0;
    loop {
        match execute(admin, &sql).await {
            Err(e) if e.contains("55006") && tries < 50 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

/// Runs one statement; the error text starts with its SQLSTATE so callers can tell cases apart.
async fn execute(conn: &mut sqlx::PgConnection, sql: &str) -> Result<(), String> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .map(drop)
        .map_err(|e| {
            let state = e
                .as_database_error()
                .and_then(|d| d.code())
                .unwrap_or_default()
                .into_owned();
            format!("{state} {sql}: {e}")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_migration_changes_the_template() {
        let migrations = SQLITE_MIGRATIONS.migrations.to_vec();
        let key = migrations_key(&migrations);
        assert_eq!(key, migrations_key(&migrations), "the key is stable");

        let mut edited = migrations.clone();
        let last = edited.len() - 1;
        let mut checksum = edited[last].checksum.to_vec();
        checksum[0] ^= 1;
        edited[last].checksum = checksum.into();
        assert_ne!(key, migrations_key(&edited), "an edited migration");

        assert_ne!(
            key,
            migrations_key(&migrations[..last]),
            "an added migration"
        );
        assert!(sqlite_template_path().to_string_lossy().contains(&key));
    }
}
