//! `jiceng backup` and `jiceng restore`: a round trip keeps every order, history row and audit
//! entry and the chain verifies; a restore never lands on a database holding data, nor takes a
//! damaged backup; a backup taken under writes restores to a database whose chain verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::demo;
use jiceng_accounts::ports::AuthStore;
use jiceng_kernel::ports::AuditStore;
use jiceng_store::SqlStore;
use jiceng_store::backup::Census;
use jiceng_store::testing::{self, TestDb};
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub(crate) struct Run {
    pub ok: bool,
    pub out: String,
    pub err: String,
}

/// `jiceng ARGS` with no `JICENG_*` variables inherited from the caller's shell.
pub(crate) fn jiceng(args: &[&str], extra: &[&Path]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    cmd.env("RUST_LOG", "warn").args(args).args(extra);
    for (k, _) in std::env::vars() {
        if k.starts_with("JICENG_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.output().unwrap();
    Run {
        ok: out.status.success(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub(crate) fn backup(url: &str, data: &Path, output: &Path) -> Run {
    jiceng(
        &["backup", "--database-url", url, "--output"],
        &[output, Path::new("--data-dir"), data],
    )
}

pub(crate) fn restore(url: &str, data: &Path, input: &Path) -> Run {
    jiceng(
        &["restore", "--database-url", url, "--input"],
        &[input, Path::new("--data-dir"), data],
    )
}

pub(crate) fn ok(r: &Run) {
    assert!(r.ok, "failed:\nstdout: {}\nstderr: {}", r.out, r.err);
}

/// A failure naming every needle on one line of stderr.
pub(crate) fn refused(r: &Run, needles: &[&str]) {
    assert!(!r.ok, "unexpected success: {}", r.out);
    assert_eq!(r.err.trim().lines().count(), 1, "not one line: {}", r.err);
    for n in needles {
        assert!(r.err.contains(n), "{n:?} not in {:?}", r.err);
    }
}

fn sqlite_url(p: &Path) -> String {
    format!("sqlite://{}", p.display())
}

pub(crate) fn manifest_of(backup: &Path) -> PathBuf {
    PathBuf::from(format!("{}.manifest.json", backup.display()))
}

pub(crate) async fn census(url: &str) -> Census {
    let s = SqlStore::connect(url).await.unwrap();
    let c = s.census().await.unwrap();
    s.close().await;
    c
}

/// Every history row of every order, in one text per row: equal lists, equal histories.
pub(crate) async fn history(url: &str) -> Vec<String> {
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar(
            "SELECT hex(order_id) || '|' || seq || '|' || at || '|' || hex(actor_id) || '|' || \
             action || '|' || coalesce(from_status, '-') || '|' || to_status || '|' || payload \
             FROM work_order_history ORDER BY order_id, seq",
        )
        .fetch_all(&mut c)
        .await
        .unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(
            "SELECT order_id::text || '|' || seq || '|' || at || '|' || actor_id::text || '|' || \
             action || '|' || coalesce(from_status, '-') || '|' || to_status || '|' || payload::text \
             FROM work_order_history ORDER BY order_id, seq",
        )
        .fetch_all(&mut c)
        .await
        .unwrap()
    }
}

pub(crate) fn sha(path: &Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_round_trip_keeps_orders_history_and_a_verifying_chain() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    demo::copy_seeded(&data);
    let source = sqlite_url(&data.join("jiceng.db"));
    let file = dir.path().join("county.jcbak");
    let started = Instant::now();
    let r = backup(&source, &data, &file);
    ok(&r);
    let took = started.elapsed();
    assert!(r.out.contains("backup written"), "{}", r.out);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(manifest_of(&file)).unwrap()).unwrap();
    let before = census(&source).await;
    assert!(before.orders >= 2500, "{before:?}");
    assert_eq!(manifest["counts"]["orders"], before.orders);
    assert_eq!(manifest["counts"]["audit_entries"], before.audit_entries);
    assert_eq!(manifest["schema_version"], before.schema_version);
    assert_eq!(manifest["county"], "广安区");
    assert_eq!(manifest["bytes"], std::fs::metadata(&file).unwrap().len());

    // A second backup to the same name is refused and leaves the first as it was.
    let first = sha(&file);
    refused(&backup(&source, &data, &file), &["already exists"]);
    assert_eq!(sha(&file), first);

    // Into a new data directory that has no audit key: the manifest's key verifies the chain.
    let target_dir = dir.path().join("restored");
    let target = sqlite_url(&target_dir.join("jiceng.db"));
    let started = Instant::now();
    let r = restore(&target, &target_dir, &file);
    ok(&r);
    eprintln!(
        "backup {took:?}, restore {:?}, {} bytes, {} orders, {} audit entries",
        started.elapsed(),
        manifest["bytes"],
        before.orders,
        before.audit_entries
    );
    assert!(r.out.contains("audit log verified"), "{}", r.out);
    let after = census(&target).await;
    assert_eq!(after, before);
    assert_eq!(history(&target).await, history(&source).await);
    // No temporary file is left beside the restored database.
    let left: Vec<_> = std::fs::read_dir(&target_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".jiceng"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // And `jiceng audit verify` agrees, with the source's key.
    let key = data.join("keys").join("audit-ed25519.pub");
    let r = jiceng(
        &["audit", "verify", "--database-url", &target, "--public-key"],
        &[&key, Path::new("--data-dir"), &target_dir],
    );
    ok(&r);
    assert!(
        r.out.contains(&format!("{} entries", before.audit_entries)),
        "{}",
        r.out
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_restore_refuses_a_database_holding_data_and_leaves_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    demo::copy_seeded(&data);
    let db = data.join("jiceng.db");
    let file = dir.path().join("b.jcbak");
    ok(&backup(&sqlite_url(&db), &data, &file));

    let other = dir.path().join("other");
    demo::copy_seeded(&other);
    let target = other.join("jiceng.db");
    let before = sha(&target);
    refused(
        &restore(&sqlite_url(&target), &other, &file),
        &["not empty", "users", "orders", "nothing was changed"],
    );
    assert_eq!(sha(&target), before);

    // A migrated database with nothing in it is taken (what `jiceng migrate` leaves).
    let fresh = dir.path().join("fresh");
    let url = sqlite_url(&fresh.join("jiceng.db"));
    ok(&jiceng(
        &["migrate", "--database-url", &url, "--data-dir"],
        &[&fresh],
    ));
    ok(&restore(&url, &fresh, &file));
    assert_eq!(census(&url).await, census(&sqlite_url(&db)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_or_foreign_backups_are_refused_before_the_target_is_made() {
    let t = testing::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let key = jiceng_server::audit::load_or_create_key(dir.path()).unwrap();
    let orders = jiceng_server::orders_for(t.store.clone()).with_audit_key(key);
    units_and_user(&orders).await;
    orders
        .make_checkpoint(jiceng_kernel::audit::chain::Chain::System)
        .await
        .unwrap();
    let file = dir.path().join("b.jcbak");
    ok(&backup(&t.url, dir.path(), &file));
    let whole = std::fs::read(&file).unwrap();
    let manifest_text = std::fs::read_to_string(manifest_of(&file)).unwrap();
    let target_dir = dir.path().join("target");
    let target_db = target_dir.join("jiceng.db");
    let target = sqlite_url(&target_db);
    let attempt = |bytes: &[u8], manifest: &str| {
        std::fs::write(&file, bytes).unwrap();
        std::fs::write(manifest_of(&file), manifest).unwrap();
        let r = restore(&target, &target_dir, &file);
        assert!(!target_db.exists(), "the target was made: {}", r.out);
        r
    };
    // Truncated.
    refused(
        &attempt(&whole[..whole.len() / 2], &manifest_text),
        &["damaged or incomplete"],
    );
    // One byte changed, same length.
    let mut flipped = whole.clone();
    let i = flipped.len() - 100;
    flipped[i] ^= 0x55;
    refused(
        &attempt(&flipped, &manifest_text),
        &["damaged or incomplete"],
    );
    // A schema newer than this binary knows.
    let mut m: serde_json::Value = serde_json::from_str(&manifest_text).unwrap();
    m["schema_version"] = serde_json::json!(99_999_999_999_i64);
    refused(
        &attempt(&whole, &m.to_string()),
        &["newer than this jiceng knows"],
    );
    // A manifest whose schema does not match the file's (checksum fine).
    let mut m: serde_json::Value = serde_json::from_str(&manifest_text).unwrap();
    m["schema_version"] = serde_json::json!(1);
    refused(
        &attempt(&whole, &m.to_string()),
        &["do not belong together"],
    );
    // No manifest, or not one.
    std::fs::write(&file, &whole).unwrap();
    std::fs::remove_file(manifest_of(&file)).unwrap();
    refused(&restore(&target, &target_dir, &file), &["manifest"]);
    refused(
        &attempt(&whole, "{\"format\": 1}"),
        &["not a backup manifest"],
    );
    // Whole again: restores.
    ok(&restore(
        &target,
        &target_dir,
        &attempt_ok(&file, &whole, &manifest_text),
    ));
}

fn attempt_ok(file: &Path, whole: &[u8], manifest: &str) -> PathBuf {
    std::fs::write(file, whole).unwrap();
    std::fs::write(manifest_of(file), manifest).unwrap();
    file.to_path_buf()
}

/// A county, a town and a user, made through the use cases so the audit chain records them.
pub(crate) async fn units_and_user(
    orders: &jiceng_orders::use_cases::Orders,
) -> (jiceng_kernel::org::OrgUnit, String) {
    use jiceng_kernel::org::{NewOrgUnit, OrgKind};
    use jiceng_kernel::user::{NewUser, Role};
    let county = orders
        .accounts
        .system_create_unit(NewOrgUnit::parse(None, OrgKind::County, "广安区", None, None).unwrap())
        .await
        .unwrap();
    let u = NewUser::parse(
        "zhangsan",
        "张三",
        None,
        vec![(Role::Dispatcher, county.id)],
    )
    .unwrap();
    orders
        .accounts
        .system_create_user(u, "a-long-pass-2026")
        .await
        .unwrap();
    (county, "zhangsan".into())
}

/// Backs up while a writer appends to the audit chain (and signs checkpoints), then restores:
/// the restored chain verifies and holds a prefix of what was written, taken mid-stream.
pub(crate) async fn backup_under_writes(source: TestDb, restore_url: String) {
    let data = tempfile::tempdir().unwrap();
    let key = jiceng_server::audit::load_or_create_key(data.path()).unwrap();
    let orders = jiceng_server::orders_for(source.store.clone()).with_audit_key(key);
    let (_county, user) = units_and_user(&orders).await;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (source.store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let now = chrono::Utc::now();
                store
                    .record_login(
                        &user,
                        &format!("10.0.{}.{}", n / 250, n % 250),
                        !n.is_multiple_of(4),
                        now,
                    )
                    .await
                    .unwrap();
                if n % 200 == 199 {
                    orders
                        .make_checkpoint(jiceng_kernel::audit::chain::Chain::System)
                        .await
                        .unwrap();
                }
                n += 1;
            }
            n
        })
    };
    while source
        .store
        .audit_size(jiceng_kernel::audit::chain::Chain::System)
        .await
        .unwrap()
        < 500
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let file = data.path().join("live.jcbak");
    let at_start = source
        .store
        .audit_size(jiceng_kernel::audit::chain::Chain::System)
        .await
        .unwrap();
    let url = source.url.clone();
    let (dir, f) = (data.path().to_path_buf(), file.clone());
    let r = tokio::task::spawn_blocking(move || backup(&url, &dir, &f))
        .await
        .unwrap();
    let at_end = source
        .store
        .audit_size(jiceng_kernel::audit::chain::Chain::System)
        .await
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    ok(&r);
    assert!(at_end > at_start, "no write went on during the backup");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(manifest_of(&file)).unwrap()).unwrap();
    let in_backup = manifest["counts"]["audit_entries"].as_i64().unwrap();
    assert!(
        (at_start as i64..=at_end as i64).contains(&in_backup),
        "{at_start} ≤ {in_backup} ≤ {at_end}"
    );
    let target_dir = tempfile::tempdir().unwrap();
    let r = restore(&restore_url, target_dir.path(), &file);
    ok(&r);
    assert!(r.out.contains("audit log verified"), "{}", r.out);
    assert_eq!(census(&restore_url).await.audit_entries, in_backup);
    eprintln!("{written} writes; backup took {in_backup} of {at_start}..{at_end} audit entries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_backup_under_writes_restores_a_verifying_chain() {
    let dir = tempfile::tempdir().unwrap();
    let target = sqlite_url(&dir.path().join("restored.db"));
    backup_under_writes(testing::sqlite().await, target).await;
}
