//! Audit chains on both backends: one chain per county and the system chain, each numbered
//! and linked on its own from the genesis; a tampered entry named with its county while the
//! other counties verify; writers in two counties that neither wait for each other nor
//! deadlock; and a database written with the single log (migrations before 0019) moved to
//! chains with every old entry still verifying.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use jiceng_kernel::audit::chain::{AuditEntry, AuditRecord, Chain, Fault, GENESIS};
use jiceng_kernel::audit::checkpoint::Checkpoint;
use jiceng_kernel::audit::frontier::Frontier;
use jiceng_kernel::clock::FixedClock;
use jiceng_kernel::ids::CountyId;
use jiceng_kernel::ports::{AuditStore, Secrets};
use jiceng_orders::use_cases::{Orders, verify_log};
use jiceng_store::SqlStore;
use jiceng_store::audit::{AppendAudit, HeadHint};
use jiceng_store::testing::TestDb;
use sqlx::{Connection, Executor};
use std::sync::Arc;
use std::time::Duration;

struct NoSecrets;

#[async_trait]
impl Secrets for NoSecrets {
    async fn hash_password(&self, p: &str) -> jiceng_kernel::error::Result<String> {
        Ok(p.to_owned())
    }
    async fn verify_password(&self, p: &str, h: &str) -> bool {
        p == h
    }
    fn random_token(&self) -> String {
        "t".into()
    }
    fn fingerprint(&self, t: &str) -> String {
        t.into()
    }
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9u8; 32])
}

/// A county stored as the root of its org tree (the chains are listed from the counties);
/// storing it writes one system-chain entry.
async fn county(s: &jiceng_store::SqlStore) -> Chain {
    use jiceng_accounts::ports::OrgStore;
    let u = jiceng_store::testing::unit(None, jiceng_kernel::org::OrgKind::County, "县", None);
    s.insert_units(std::slice::from_ref(&u)).await.unwrap();
    Chain::County(CountyId(u.id.0))
}

fn rec(chain: Chain, i: usize) -> AuditRecord {
    AuditRecord::new(
        chain,
        now(),
        "system",
        "test.step",
        format!("obj:{}", i % 3),
        serde_json::json!({"i": i, "text": "进展"}),
    )
}

fn orders(s: &Arc<SqlStore>) -> Orders {
    Orders::new(
        s.clone(),
        Arc::new(FixedClock::at(now())),
        Arc::new(NoSecrets),
    )
    .with_audit_key(key())
}

/// Runs `sql` on its own connection, bypassing the append-only triggers as an intruder with
/// the owner's rights would.
async fn tamper(db: &TestDb, sql: &str) {
    if db.url.starts_with("sqlite") {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        c.execute("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;")
            .await
            .unwrap();
        c.execute(sqlx::AssertSqlSafe(sql.to_owned()))
            .await
            .unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        c.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
            .await
            .unwrap();
        c.execute(sqlx::AssertSqlSafe(sql.to_owned()))
            .await
            .unwrap();
        c.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
            .await
            .unwrap();
    }
}

fn key_literal(db: &TestDb, chain: Chain) -> String {
    let k = chain.key().unwrap();
    if db.url.starts_with("sqlite") {
        format!("x'{}'", k.simple())
    } else {
        format!("'{k}'")
    }
}

async fn chains_per_county(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (county(s).await, county(s).await);
    let system_before = s.audit_size(Chain::System).await.unwrap();
    // One transaction's records for three chains, then more for each.
    s.append_audit(&[rec(a, 0), rec(Chain::System, 1), rec(b, 2), rec(a, 3)])
        .await
        .unwrap();
    s.append_audit(&[rec(b, 4)]).await.unwrap();
    s.append_audit(&[rec(a, 5)]).await.unwrap();
    assert_eq!(s.audit_size(a).await.unwrap(), 3);
    assert_eq!(s.audit_size(b).await.unwrap(), 2);
    assert_eq!(
        s.audit_size(Chain::System).await.unwrap(),
        system_before + 1
    );
    let genesis = s.audit_genesis().await.unwrap();
    assert_eq!(genesis, GENESIS, "a database without a closed log");
    for (chain, want) in [(a, vec![0, 3, 5]), (b, vec![2, 4])] {
        let log = s.audit_page(chain, 0, 10).await.unwrap();
        let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=want.len() as u64).collect::<Vec<_>>(), "{chain}");
        let is: Vec<i64> = log
            .iter()
            .map(|e| e.payload.value()["i"].as_i64().unwrap())
            .collect();
        assert_eq!(is, want.iter().map(|i| *i as i64).collect::<Vec<_>>());
        assert_eq!(
            log[0].prev_hash, genesis,
            "each chain starts at the genesis"
        );
        for w in log.windows(2) {
            assert_eq!(w[1].prev_hash, w[0].hash);
        }
        assert!(log.iter().all(|e| e.compute_hash() == e.hash));
    }
    assert_eq!(s.audit_for_object(a, "obj:0").await.unwrap().len(), 2);
    assert_eq!(s.audit_for_object(b, "obj:2").await.unwrap().len(), 1);
    let listed = s.audit_chains().await.unwrap();
    assert!(
        listed.contains(&(a, 3)) && listed.contains(&(b, 2)),
        "{listed:?}"
    );

    // Each chain gets its checkpoint, the province one proves every chain's head.
    let o = orders(s);
    let made = o.make_checkpoints().await.unwrap();
    assert!(
        made.iter()
            .any(|c| c.checkpoint.chain == a && c.checkpoint.size == 3)
    );
    assert!(
        made.iter()
            .any(|c| c.checkpoint.chain == b && c.checkpoint.size == 2)
    );
    let province = s.latest_province_checkpoint().await.unwrap().unwrap();
    assert!(province.verify(&key().verifying_key()));
    let report = verify_log(s.as_ref(), &key().verifying_key(), &[], None)
        .await
        .unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.province, Some(true));
    for c in &report.chains {
        assert!(
            c.in_province.is_some(),
            "{} proven in the province tree",
            c.chain
        );
    }

    // A change in county b's chain is named with b and the entry; a and the system verify.
    tamper(
        db,
        &format!(
            "UPDATE audit_log SET payload = '{{\"i\":4,\"text\":\"改\"}}' WHERE county_id = {} AND seq = 2",
            key_literal(db, b)
        ),
    )
    .await;
    let report = verify_log(s.as_ref(), &key().verifying_key(), &[], None)
        .await
        .unwrap();
    assert_eq!(
        report.faults(),
        [(b, &Fault::Changed { seq: 2 })],
        "{report:?}"
    );
    let of = |c: Chain| report.chains.iter().find(|r| r.chain == c).unwrap();
    assert_eq!(of(a).fault, None);
    assert_eq!(of(a).entries, 3);
    assert!(of(a).in_province.is_some());
    assert_eq!(of(Chain::System).fault, None);
    let only_a = verify_log(s.as_ref(), &key().verifying_key(), &[], Some(a))
        .await
        .unwrap();
    assert!(only_a.ok() && only_a.chains.len() == 1, "{only_a:?}");
    // A signed chain dropped whole is caught by the province tree.
    tamper(
        db,
        &format!(
            "DELETE FROM audit_log WHERE county_id = {}",
            key_literal(db, a)
        ),
    )
    .await;
    let report = verify_log(s.as_ref(), &key().verifying_key(), &[], Some(a))
        .await
        .unwrap();
    assert!(report.faults().iter().any(|(c, _)| *c == a), "{report:?}");
}

#[tokio::test]
async fn sqlite_chains_per_county() {
    chains_per_county(&jiceng_store::testing::sqlite().await).await;
}

#[tokio::test]
async fn postgres_chains_per_county() {
    let Some(db) = jiceng_store::testing::postgres().await else {
        return;
    };
    chains_per_county(&db).await;
}

/// A transaction appending to county a holds a's head until it commits; an append to county
/// b meanwhile does not wait for it. Transactions writing to both counties, in both orders,
/// at once, never deadlock.
#[tokio::test]
async fn postgres_counties_do_not_wait_for_each_other() {
    let Some(db) = jiceng_store::testing::postgres().await else {
        return;
    };
    let (a, b) = (county(&db.store).await, county(&db.store).await);
    let hint = HeadHint::default();
    // Make both heads first, so that the test is about moving them.
    db.store
        .append_audit(&[rec(a, 0), rec(b, 0)])
        .await
        .unwrap();
    let mut first = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut tx = first.begin().await.unwrap();
    tx.append_audit(&hint, &[rec(a, 1)]).await.unwrap();
    let mut second = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let other = async {
        let mut tx2 = second.begin().await.unwrap();
        tx2.append_audit(&hint, &[rec(b, 1)]).await.unwrap();
        tx2.commit().await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(5), other)
        .await
        .expect("an append to county b waits for county a's open transaction");
    tx.commit().await.unwrap();
    assert_eq!(db.store.audit_size(a).await.unwrap(), 2);
    assert_eq!(db.store.audit_size(b).await.unwrap(), 2);
    no_deadlock(&db, a, b).await;
}

#[tokio::test]
async fn sqlite_writers_to_two_counties_finish() {
    let db = jiceng_store::testing::sqlite().await;
    no_deadlock(&db, county(&db.store).await, county(&db.store).await).await;
}

async fn no_deadlock(db: &TestDb, a: Chain, b: Chain) {
    let (before_a, before_b) = (
        db.store.audit_size(a).await.unwrap(),
        db.store.audit_size(b).await.unwrap(),
    );
    let other = Arc::new(SqlStore::connect(&db.url).await.unwrap());
    let mut tasks = Vec::new();
    for i in 0..16usize {
        let s = if i % 2 == 0 {
            db.store.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            for round in 0..8usize {
                let recs = if (i + round) % 2 == 0 {
                    [rec(a, i), rec(b, i)]
                } else {
                    [rec(b, i), rec(a, i)]
                };
                s.append_audit(&recs).await.unwrap();
            }
        }));
    }
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("writers finish")
            .unwrap();
    }
    for (chain, before) in [(a, before_a), (b, before_b)] {
        assert_eq!(db.store.audit_size(chain).await.unwrap(), before + 128);
        let report = verify_log(db.store.as_ref(), &key().verifying_key(), &[], Some(chain))
            .await
            .unwrap();
        assert!(report.ok(), "{report:?}");
        assert_eq!(report.chains[0].entries, before + 128);
    }
    other.close().await;
}

/// The old single log: `n` entries written as the server wrote them before 0019 (the
/// trigger of 0010 moves the head), and a checkpoint signed over the first `signed`.
fn old_entries(n: usize) -> Vec<AuditEntry> {
    let mut log: Vec<AuditEntry> = Vec::new();
    for i in 0..n {
        let mut r = rec(Chain::System, i);
        r.object = format!("work_order:{}", i % 4);
        log.push(AuditEntry::next(log.last(), &r));
    }
    log
}

macro_rules! write_old_log {
    ($c:expr, $log:expr, $signed:expr) => {{
        for e in $log {
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor, action, object, payload, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(e.seq as i64)
            .bind(e.at.timestamp_micros())
            .bind(&e.actor)
            .bind(&e.action)
            .bind(&e.object)
            .bind(e.payload.text())
            .bind(&e.prev_hash[..])
            .bind(&e.hash[..])
            .execute(&mut *$c)
            .await
            .unwrap();
        }
        let mut f = Frontier::default();
        $log[..$signed].iter().for_each(|e| f.push(e.hash));
        let cp = Checkpoint::sign(&key(), Chain::Closed, $signed as u64, &f.root(), now());
        sqlx::query(
            "INSERT INTO audit_checkpoints (size, root, at, signature, key_id, last_hash, frontier) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($signed as i64)
        .bind(hex::decode(&cp.root).unwrap())
        .bind(cp.at.timestamp_micros())
        .bind(hex::decode(&cp.signature).unwrap())
        .bind("k")
        .bind(&$log[$signed - 1].hash[..])
        .bind(f.to_hex())
        .execute(&mut *$c)
        .await
        .unwrap();
    }};
}

/// The migrations of one backend up to 0018: the schema of the single log.
async fn migrator(backend: &str) -> sqlx::migrate::Migrator {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    sqlx::migrate::Migrator::new(dir.as_path()).await.unwrap()
}

async fn after_migration(url: &str, store: Arc<SqlStore>, log: &[AuditEntry], signed: usize) {
    let s = &store;
    let last = log.last().unwrap();
    assert_eq!(
        s.audit_chains().await.unwrap(),
        [(Chain::Closed, log.len() as u64)]
    );
    assert_eq!(s.audit_genesis().await.unwrap(), last.hash);
    assert_eq!(s.audit_page(Chain::Closed, 0, 1000).await.unwrap(), log);
    assert_eq!(s.checkpoints(Chain::Closed).await.unwrap().len(), 1);
    let report = verify_log(s.as_ref(), &key().verifying_key(), &[], None)
        .await
        .unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.entries(), log.len() as u64);

    // New appends start each chain at the closed log's last entry.
    let (a, b) = (county(s).await, county(s).await);
    s.append_audit(&[rec(a, 0), rec(b, 1), rec(Chain::System, 2), rec(a, 3)])
        .await
        .unwrap();
    for chain in [a, b, Chain::System] {
        let first = s.audit_page(chain, 0, 1).await.unwrap().remove(0);
        assert_eq!((first.seq, first.prev_hash), (1, last.hash), "{chain}");
    }
    // The job closes the old log with its final checkpoint and signs the chains and province.
    let o = orders(&store);
    let made = o.make_checkpoints().await.unwrap();
    let fin = made
        .iter()
        .find(|c| c.checkpoint.chain == Chain::Closed)
        .expect("the closed log's final checkpoint");
    assert_eq!(fin.checkpoint.size, log.len() as u64);
    assert_eq!(
        fin.last_hash, last.hash,
        "the final checkpoint ends at the genesis"
    );
    assert!(signed < log.len());
    let report = verify_log(s.as_ref(), &key().verifying_key(), &[], None)
        .await
        .unwrap();
    assert!(report.ok(), "{report:?}");
    // Four appended, two for the counties' units.
    assert_eq!(report.entries(), log.len() as u64 + 6);
    assert!(
        report.chains.iter().all(|c| c.in_province.is_some()),
        "{report:?}"
    );
    // An entry appended to the closed log after it was closed breaks the genesis.
    let forged = AuditEntry::next(log.last(), &rec(Chain::System, 99));
    let insert = format!(
        "INSERT INTO audit_log_closed (seq, at, actor, action, object, payload, prev_hash, hash) \
         VALUES ({}, {}, '{}', '{}', '{}', '{}', {}, {})",
        forged.seq,
        forged.at.timestamp_micros(),
        forged.actor,
        forged.action,
        forged.object,
        forged.payload.text(),
        bytes(url, &forged.prev_hash),
        bytes(url, &forged.hash)
    );
    if url.starts_with("sqlite") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        c.execute(sqlx::AssertSqlSafe(insert)).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        c.execute(sqlx::AssertSqlSafe(insert)).await.unwrap();
    }
    let report = verify_log(s.as_ref(), &key().verifying_key(), &[], Some(Chain::Closed))
        .await
        .unwrap();
    assert_eq!(
        report.faults(),
        [(
            Chain::Closed,
            &Fault::Genesis {
                seq: log.len() as u64 + 1
            }
        )],
        "{report:?}"
    );
}

fn bytes(url: &str, b: &[u8]) -> String {
    if url.starts_with("sqlite") {
        format!("x'{}'", hex::encode(b))
    } else {
        format!("'\\x{}'::bytea", hex::encode(b))
    }
}

#[tokio::test]
async fn sqlite_single_log_moves_to_chains() {
    let file =
        std::env::temp_dir().join(format!("jiceng-test-{}.db", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let log = old_entries(37);
    {
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        migrator("sqlite").await.run_to(18, &mut c).await.unwrap();
        write_old_log!(&mut c, &log, 30);
        c.close().await.unwrap();
    }
    let store = Arc::new(SqlStore::connect(&url).await.unwrap());
    store.migrate().await.unwrap();
    after_migration(&url, store.clone(), &log, 30).await;
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

#[tokio::test]
async fn postgres_single_log_moves_to_chains() {
    let Ok(admin_url) = std::env::var("JICENG_TEST_POSTGRES_URL") else {
        return;
    };
    let name = format!(
        "jiceng_t_{}_{}",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    );
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let url = match admin_url.rfind('/') {
        Some(i) => format!("{}/{name}", &admin_url[..i]),
        None => panic!("no database in {admin_url}"),
    };
    let log = old_entries(37);
    {
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        migrator("postgres").await.run_to(18, &mut c).await.unwrap();
        write_old_log!(&mut c, &log, 30);
        c.close().await.unwrap();
    }
    let store = Arc::new(SqlStore::connect(&url).await.unwrap());
    store.migrate().await.unwrap();
    after_migration(&url, store.clone(), &log, 30).await;
    store.close().await;
    let _ = admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .await;
}
