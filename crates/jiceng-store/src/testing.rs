#![allow(clippy::panic)] // test support: a test database that cannot be made must stop the test

//! Fresh, migrated databases for tests: a temporary SQLite file, or a new PostgreSQL database
//! created on the server named by `JICENG_TEST_POSTGRES_URL`.

use crate::SqlStore;
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::Arc;

/// The environment variable naming a PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "JICENG_TEST_POSTGRES_URL";

/// A migrated store that is removed when dropped (SQLite) or left for the server to discard.
pub struct TestDb {
    pub store: Arc<SqlStore>,
    pub url: String,
    file: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }
}

mod template;
pub use template::{migrations_key, postgres_template_name, sqlite_template_path};

/// A fresh SQLite database in a temporary file: a copy of the migrated template.
pub async fn sqlite() -> TestDb {
    let file = sqlite_file();
    template::sqlite_copy(&file)
        .await
        .unwrap_or_else(|e| panic!("SQLite test database: {e}"));
    sqlite_open(file, false).await
}

/// A fresh SQLite database migrated step by step, as a new installation is: what the template
/// saves, and what its copies are compared with.
pub async fn sqlite_fresh_migration() -> TestDb {
    sqlite_open(sqlite_file(), true).await
}

/// An empty SQLite database, not migrated: for tests of a migration over rows stored before it
/// (see [`SqlStore::migrate_to`]).
pub async fn sqlite_unmigrated() -> TestDb {
    sqlite_open(sqlite_file(), false).await
}

fn sqlite_file() -> PathBuf {
    std::env::temp_dir().join(format!("jiceng-test-{}.db", uuid::Uuid::now_v7().simple()))
}

async fn sqlite_open(file: PathBuf, migrate: bool) -> TestDb {
    let url = format!("sqlite://{}", file.display());
    let db = TestDb {
        store: Arc::new(
            SqlStore::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("open {url}: {e}")),
        ),
        url,
        file: Some(file),
    };
    if migrate {
        db.store
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("migrate: {e}"));
    }
    db
}

/// A fresh PostgreSQL database copied from the migrated template, or `None` (with a note on
/// stderr) when no server is configured. A configured but unreachable server fails the test:
/// it must not pass silently.
pub async fn postgres() -> Option<TestDb> {
    postgres_db(false, false).await
}

/// A fresh PostgreSQL database migrated step by step (see [`sqlite_fresh_migration`]).
pub async fn postgres_fresh_migration() -> Option<TestDb> {
    postgres_db(true, true).await
}

/// An empty PostgreSQL database, not migrated (see [`sqlite_unmigrated`]).
pub async fn postgres_unmigrated() -> Option<TestDb> {
    postgres_db(true, false).await
}

async fn postgres_db(fresh_migration: bool, migrate: bool) -> Option<TestDb> {
    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
        eprintln!("{POSTGRES_ENV} not set: PostgreSQL test skipped");
        return None;
    };
    let template = if fresh_migration {
        None
    } else {
        Some(
            template::postgres_template(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set: {e}")),
        )
    };
    // The process id in the name lets a later run drop what this one leaves behind.
    let name = format!(
        "jiceng_t_{}_{}",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    );
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but the server is unreachable: {e}"));
    drop_leftovers(&mut admin).await;
    match template {
        Some(t) => template::postgres_copy(&mut admin, &name, t).await,
        None => sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
    }
    .unwrap_or_else(|e| panic!("create database: {e}"));
    let _ = admin.close().await;
    let url = replace_database(&admin_url, &name);
    let store = SqlStore::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("open test db: {e}"));
    if fresh_migration && migrate {
        store
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("migrate: {e}"));
    }
    Some(TestDb {
        store: Arc::new(store),
        url,
        file: None,
    })
}

/// Drops, once per process, the test databases of test processes that have ended: without
/// it, every run leaves a database per test behind, and a server restart spends minutes
/// syncing them.
async fn drop_leftovers(admin: &mut sqlx::PgConnection) {
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if DONE.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'jiceng\\_t\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let ended = name
            .strip_prefix("jiceng_t_")
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
            .is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists());
        if ended {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .execute(&mut *admin)
            .await;
        }
    }
}

/// Swaps the database name in a `postgres://user:pass@host:port/db?params` URL.
pub fn replace_database(url: &str, db: &str) -> String {
    let (base, params) = match url.split_once('?') {
        Some((b, p)) => (b, format!("?{p}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host_part}/{db}{params}")
}

/// The instant stored test rows are dated by: microsecond precision on purpose, both backends
/// must keep it.
pub fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap_or_default()
}

/// A unit under `parent` (a root without one), not yet stored.
pub fn unit(
    parent: Option<&jiceng_kernel::org::OrgUnit>,
    kind: jiceng_kernel::org::OrgKind,
    name: &str,
    code: Option<&str>,
) -> jiceng_kernel::org::OrgUnit {
    let id = jiceng_kernel::ids::UnitId(uuid::Uuid::now_v7());
    jiceng_kernel::org::OrgUnit {
        id,
        parent_id: parent.map(|p| p.id),
        kind,
        name: name.into(),
        code: code.map(Into::into),
        path: parent.map_or_else(
            || jiceng_kernel::org::UnitPath::root(id),
            |p| p.path.child(id),
        ),
        geometry: None,
        created_at: t0(),
    }
}

/// Stores a hotline operator (`op`) of `unit` and answers its id.
pub async fn insert_operator(
    s: &SqlStore,
    unit: &jiceng_kernel::org::OrgUnit,
) -> jiceng_kernel::ids::UserId {
    use jiceng_accounts::ports::UserStore;
    use jiceng_kernel::user::{Role, RoleGrant, User};
    let user = User {
        id: jiceng_kernel::ids::UserId(uuid::Uuid::now_v7()),
        username: "op".into(),
        display_name: "接线员".into(),
        phone: None,
        disabled: false,
        created_at: t0(),
        grants: vec![RoleGrant {
            role: Role::HotlineOperator,
            unit_id: unit.id,
            unit_name: unit.name.clone(),
            unit_path: unit.path.clone(),
        }],
    };
    let rec = jiceng_kernel::audit::chain::AuditRecord::new(
        jiceng_kernel::audit::chain::Chain::System,
        t0(),
        "system",
        "test",
        "test",
        serde_json::json!({}),
    );
    if let Err(e) = s.insert_user(&user, "x", &rec).await {
        panic!("cannot store the test operator: {e}");
    }
    user.id
}

/// Store conformance tests on both backends: `sqlite::name` and `postgres::name` call
/// `name(store)` with a fresh database (the PostgreSQL ones pass when no server is set).
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                let db = $crate::testing::sqlite().await;
                super::$name(db.store.clone()).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                let Some(db) = $crate::testing::postgres().await else { return };
                super::$name(db.store.clone()).await;
            })*
        }
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            super::replace_database("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
    }
}
