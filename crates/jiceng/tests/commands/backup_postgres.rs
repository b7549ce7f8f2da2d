//! `jiceng backup` and `jiceng restore` on PostgreSQL (through `pg_dump` and `pg_restore`),
//! and the one-line answer when the client tools are missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::backup::{
    backup, backup_under_writes, census, history, jiceng, manifest_of, ok, refused, restore, sha,
    units_and_user,
};
use jiceng_store::SqlStore;
use jiceng_store::testing;
use sqlx::Connection;
use std::process::Command;
use std::time::Instant;

/// A new, blank PostgreSQL database (no tables), as `createdb` makes.
async fn blank_postgres() -> Option<String> {
    let admin = std::env::var(testing::POSTGRES_ENV).ok()?;
    let name = format!("jiceng_r_{}", uuid::Uuid::now_v7().simple());
    let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut c)
        .await
        .unwrap();
    Some(testing::replace_database(&admin, &name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_backup_under_writes_restores_a_verifying_chain() {
    let Some(source) = testing::postgres().await else {
        return;
    };
    let target = blank_postgres().await.unwrap();
    backup_under_writes(source, target).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_round_trip_of_the_demo_and_refusals() {
    let Some(source) = testing::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let seeded = jiceng(
        &["demo", "--database-url", &source.url, "--data-dir"],
        &[&data],
    );
    ok(&seeded);
    let file = dir.path().join("pg.dump");
    let started = Instant::now();
    ok(&backup(&source.url, &data, &file));
    let took = started.elapsed();
    let before = census(&source.url).await;
    assert!(before.orders >= 2500, "{before:?}");

    // Into a blank database (createdb), and into a migrated, empty one.
    for target in [
        blank_postgres().await.unwrap(),
        testing::postgres().await.unwrap().url.clone(),
    ] {
        let started = Instant::now();
        let r = restore(&target, &dir.path().join("elsewhere"), &file);
        ok(&r);
        eprintln!(
            "pg_dump backup {took:?}, restore {:?}, {} bytes, {} orders, {} audit entries",
            started.elapsed(),
            std::fs::metadata(&file).unwrap().len(),
            before.orders,
            before.audit_entries
        );
        assert!(r.out.contains("audit log verified"), "{}", r.out);
        assert_eq!(census(&target).await, before);
        assert_eq!(history(&target).await, history(&source.url).await);
    }

    // Into a database holding data: refused, unchanged.
    let held = testing::postgres().await.unwrap();
    let orders = jiceng_server::orders_for(held.store.clone());
    units_and_user(&orders).await;
    let held_before = census(&held.url).await;
    refused(
        &restore(&held.url, &data, &file),
        &["not empty", "1 users", "nothing was changed"],
    );
    assert_eq!(census(&held.url).await, held_before);

    // A truncated dump: refused before pg_restore runs; the blank target stays blank.
    let whole = std::fs::read(&file).unwrap();
    std::fs::write(&file, &whole[..whole.len() - 10]).unwrap();
    let blank = blank_postgres().await.unwrap();
    refused(&restore(&blank, &data, &file), &["damaged or incomplete"]);
    let s = SqlStore::connect(&blank).await.unwrap();
    assert_eq!(
        s.restore_target().await.unwrap(),
        jiceng_store::backup::Target::Blank
    );
    s.close().await;
}

#[test]
fn postgres_backup_without_pg_dump_says_so_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.dump");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    // A PATH without the client tools; the server is never contacted.
    cmd.env_clear()
        .env("PATH", dir.path())
        .args([
            "backup",
            "--database-url",
            "postgres://u:p@127.0.0.1:1/none",
            "--output",
        ])
        .arg(&file)
        .arg("--data-dir")
        .arg(dir.path());
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("pg_dump not found on PATH"), "{err}");
    assert!(!err.contains(":p@"), "the password is shown: {err}");
    assert!(!file.exists());
    // A whole PostgreSQL backup, but no pg_restore: one line, before the target is touched.
    std::fs::write(&file, b"x").unwrap();
    let manifest = serde_json::json!({
        "format": "jiceng-backup", "format_version": 1, "backend": "postgres",
        "schema_version": 1, "county": null, "created_at": "2026-12-07T00:00:00Z",
        "written_by": "0.1.0", "file": "pg.dump", "bytes": 1,
        "sha256": hex::encode(sha(&file)), "audit_public_key": null,
        "counts": {"orders": 0, "history": 0, "audit_entries": 0, "users": 0, "units": 0},
    });
    std::fs::write(manifest_of(&file), manifest.to_string()).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    cmd.env_clear()
        .env("PATH", dir.path())
        .args([
            "restore",
            "--database-url",
            "postgres://u:p@127.0.0.1:1/none",
            "--input",
        ])
        .arg(&file)
        .arg("--data-dir")
        .arg(dir.path());
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("pg_restore not found on PATH"), "{err}");
}
