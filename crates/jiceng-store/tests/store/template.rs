//! Test databases are copies of a template migrated once: a copy must hold exactly the schema
//! and migration history that running every migration gives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiceng_store::testing::{self, TestDb};
use sqlx::Connection;
use std::time::{Duration, Instant};

/// Every schema object with its definition, and the recorded migrations, sorted.
async fn schema_listing(db: &TestDb) -> Vec<String> {
    let queries: &[&str] = if db.store.backend_name() == "sqlite" {
        &[
            "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') \
             FROM sqlite_master ORDER BY type, name",
            "SELECT 'migration ' || version || ' ' || description || ' ' || hex(checksum) \
             || ' ' || success FROM _sqlx_migrations ORDER BY version",
        ]
    } else {
        &[
            "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' \
             || is_nullable || ' ' || coalesce(column_default, '') \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             ORDER BY table_name, ordinal_position",
            "SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() ORDER BY indexname",
            "SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' \
             || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = current_schema()::regnamespace ORDER BY 1",
            "SELECT 'view ' || table_name || ' ' || view_definition FROM information_schema.views \
             WHERE table_schema = current_schema() ORDER BY table_name",
            "SELECT 'migration ' || version || ' ' || description || ' ' || encode(checksum, 'hex') \
             || ' ' || success FROM _sqlx_migrations ORDER BY version",
        ]
    };
    let mut out = Vec::new();
    for q in queries {
        let rows: Vec<String> = if db.store.backend_name() == "sqlite" {
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(*q).fetch_all(&mut c).await.unwrap()
        } else {
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(*q).fetch_all(&mut c).await.unwrap()
        };
        out.extend(rows);
    }
    out
}

/// The migration files of one backend on disk.
fn migration_files(backend: &str) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count()
}

fn recorded_migrations(listing: &[String]) -> usize {
    listing
        .iter()
        .filter(|l| l.starts_with("migration "))
        .count()
}

#[tokio::test]
async fn sqlite_template_copy_matches_a_fresh_migration() {
    let copy = testing::sqlite().await;
    assert!(
        testing::sqlite_template_path().exists(),
        "the copy comes from the template"
    );
    let fresh = testing::sqlite_fresh_migration().await;
    let (a, b) = (schema_listing(&copy).await, schema_listing(&fresh).await);
    assert!(a.iter().any(|l| l.starts_with("table work_orders ")));
    assert_eq!(recorded_migrations(&a), migration_files("sqlite"));
    assert_eq!(a, b, "a template copy differs from a fresh migration");
}

#[tokio::test]
async fn postgres_template_copy_matches_a_fresh_migration() {
    let Some(copy) = testing::postgres().await else {
        return;
    };
    let Some(fresh) = testing::postgres_fresh_migration().await else {
        return;
    };
    let mut c = sqlx::PgConnection::connect(&copy.url).await.unwrap();
    let templates: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(testing::postgres_template_name())
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(templates, 1, "the copy comes from the template");
    let (a, b) = (schema_listing(&copy).await, schema_listing(&fresh).await);
    assert!(a.iter().any(|l| l.starts_with("column work_orders.id ")));
    assert_eq!(recorded_migrations(&a), migration_files("postgres"));
    assert_eq!(a, b, "a template copy differs from a fresh migration");
}

/// Many tests starting together all get a complete copy.
#[tokio::test]
async fn concurrent_copies_are_complete() {
    let (a, b, c, d) = tokio::join!(
        testing::sqlite(),
        testing::sqlite(),
        testing::sqlite(),
        testing::sqlite()
    );
    for db in [a, b, c, d] {
        assert_eq!(
            recorded_migrations(&schema_listing(&db).await),
            migration_files("sqlite")
        );
    }
    let (a, b, c) = tokio::join!(
        testing::postgres(),
        testing::postgres(),
        testing::postgres()
    );
    for db in [a, b, c].into_iter().flatten() {
        assert_eq!(
            recorded_migrations(&schema_listing(&db).await),
            migration_files("postgres")
        );
    }
}

/// Time to obtain one fresh database, template copy against step-by-step migration. Run by
/// hand: `cargo test -p jiceng-store --test store -- --ignored --nocapture fresh_database_time`.
#[tokio::test]
#[ignore = "a measurement, read by a person"]
async fn fresh_database_time() {
    const N: u32 = 20;
    async fn time<F: std::future::Future<Output = Option<TestDb>>>(f: impl Fn() -> F) -> Duration {
        let mut kept = Vec::new();
        let start = Instant::now();
        for _ in 0..N {
            kept.push(f().await);
        }
        start.elapsed() / N
    }
    let start = Instant::now();
    drop(testing::sqlite().await);
    println!(
        "sqlite first copy (template ready or built): {:?}",
        start.elapsed()
    );
    let copy = time(|| async { Some(testing::sqlite().await) }).await;
    let fresh = time(|| async { Some(testing::sqlite_fresh_migration().await) }).await;
    println!("sqlite: template copy {copy:?}, fresh migration {fresh:?} (mean of {N})");
    if std::env::var(testing::POSTGRES_ENV).is_ok() {
        let start = Instant::now();
        drop(testing::postgres().await);
        println!(
            "postgres first copy (template ready or built): {:?}",
            start.elapsed()
        );
        let copy = time(testing::postgres).await;
        let fresh = time(testing::postgres_fresh_migration).await;
        println!("postgres: template copy {copy:?}, fresh migration {fresh:?} (mean of {N})");
    }
}
