//! Tamper tests: an attacker with database access bypasses the append-only triggers and
//! edits one chain of the audit log (the system chain); `jiceng audit verify` must find each
//! edit and name the chain and the entry, and still verify the county's chain beside it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_accounts::ports::AuthStore;
use jiceng_kernel::audit::chain::{AuditEntry, AuditRecord, Chain};
use jiceng_kernel::org::{NewOrgUnit, OrgKind};
use jiceng_kernel::ports::AuditStore;
use jiceng_kernel::user::{NewUser, Role};
use jiceng_store::testing::{self, TestDb};
use serde_json::json;
use std::path::Path;
use std::process::Command;

#[derive(Clone, Copy, PartialEq)]
enum Db {
    Sqlite,
    Postgres,
}

/// A county and one user of each given role in it, made through the accounts' use cases.
pub(crate) async fn county_with(
    orders: &jiceng_orders::use_cases::Orders,
    people: &[(&str, Role)],
) -> (jiceng_kernel::org::OrgUnit, Vec<jiceng_kernel::user::User>) {
    let county = orders
        .accounts
        .system_create_unit(NewOrgUnit::parse(None, OrgKind::County, "广安区", None, None).unwrap())
        .await
        .unwrap();
    let mut users = Vec::new();
    for (name, role) in people {
        let new = NewUser::parse(name, name, None, vec![(*role, county.id)]).unwrap();
        let user = orders
            .accounts
            .system_create_user(new, "a-long-pass-2026")
            .await
            .unwrap();
        users.push(user);
    }
    (county, users)
}

pub(crate) fn key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[42u8; 32])
}

fn public_hex() -> String {
    hex::encode(key().verifying_key().as_bytes())
}

/// A system chain of real entries (units, users, logins) with a signed checkpoint over the
/// first `SIGNED` entries and two entries after it, and a county's chain of two reads, signed.
const SIGNED: u64 = 30;

async fn build(db: Db) -> Option<TestDb> {
    build_with_county(db).await.map(|(t, _)| t)
}

async fn build_with_county(db: Db) -> Option<(TestDb, Chain)> {
    let t = match db {
        Db::Sqlite => testing::sqlite().await,
        Db::Postgres => testing::postgres().await?,
    };
    let orders = jiceng_server::orders_for(t.store.clone()).with_audit_key(key());
    let county = orders
        .accounts
        .system_create_unit(NewOrgUnit::parse(None, OrgKind::County, "广安区", None, None).unwrap())
        .await
        .unwrap();
    let town = orders
        .accounts
        .system_create_unit(
            NewOrgUnit::parse(Some(county.id), OrgKind::Town, "浓洄街道", None, None).unwrap(),
        )
        .await
        .unwrap();
    let u = NewUser::parse("zhangsan", "张三", None, vec![(Role::Dispatcher, town.id)]).unwrap();
    orders
        .accounts
        .system_create_user(u, "a-long-pass-2026")
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let login = async |n: u64| {
        t.store
            .record_login(
                "zhangsan",
                &format!("10.0.0.{n}"),
                !n.is_multiple_of(3),
                now,
            )
            .await
            .unwrap();
    };
    while t.store.audit_size(Chain::System).await.unwrap() < SIGNED {
        login(t.store.audit_size(Chain::System).await.unwrap()).await;
    }
    let chain = Chain::County(county.path.county());
    t.store
        .append_audit(&[
            AuditRecord::new(
                chain,
                now,
                "u1",
                "personal_data.read",
                "work_order:x",
                json!({"fields": ["caller_phone"]}),
            ),
            AuditRecord::new(
                chain,
                now,
                "u1",
                "personal_data.read",
                "work_order:y",
                json!({"fields": ["caller_name"]}),
            ),
        ])
        .await
        .unwrap();
    let made = orders.make_checkpoints().await.unwrap();
    let sizes: Vec<(Chain, u64)> = made
        .iter()
        .map(|c| (c.checkpoint.chain, c.checkpoint.size))
        .collect();
    assert_eq!(sizes, [(Chain::System, SIGNED), (chain, 2)]);
    login(SIGNED).await;
    login(SIGNED + 1).await;
    Some((t, chain))
}

/// The system chain's rows in SQL.
fn system(db: Db) -> &'static str {
    match db {
        Db::Sqlite => "county_id = X'00000000000000000000000000000000'",
        Db::Postgres => "county_id = '00000000-0000-0000-0000-000000000000'",
    }
}

/// Runs SQL as the attacker, triggers off.
async fn tamper(t: &TestDb, db: Db, statements: &[String]) {
    match db {
        Db::Sqlite => {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
            sqlx::raw_sql("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
                .execute(&mut c)
                .await
                .unwrap();
            for s in statements {
                sqlx::raw_sql(sqlx::AssertSqlSafe(s.clone()))
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
        }
        Db::Postgres => {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&t.url).await.unwrap();
            sqlx::raw_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
                .execute(&mut c)
                .await
                .unwrap();
            for s in statements {
                sqlx::raw_sql(sqlx::AssertSqlSafe(s.clone()))
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
        }
    }
}

fn blob(db: Db, b: &[u8]) -> String {
    match db {
        Db::Sqlite => format!("X'{}'", hex::encode(b)),
        Db::Postgres => format!("'\\x{}'::bytea", hex::encode(b)),
    }
}

fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

async fn entry(t: &TestDb, seq: u64) -> AuditEntry {
    t.store
        .audit_page(Chain::System, seq - 1, 1)
        .await
        .unwrap()
        .remove(0)
}

fn set_row(db: Db, seq: u64, e: &AuditEntry) -> String {
    format!(
        "UPDATE audit_log SET at = {}, actor = {}, action = {}, object = {}, payload = {}, prev_hash = {}, hash = {} WHERE {} AND seq = {seq}",
        e.at.timestamp_micros(),
        text(&e.actor),
        text(&e.action),
        text(&e.object),
        text(e.payload.text()),
        blob(db, &e.prev_hash),
        blob(db, &e.hash),
        system(db)
    )
}

/// `jiceng audit verify` on the database: (exit ok, stdout).
pub(crate) fn verify(t: &TestDb, dir: &Path, extra: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    cmd.env("RUST_LOG", "error")
        .args(["audit", "verify", "--database-url", &t.url, "--data-dir"])
        .arg(dir)
        .args(["--public-key", &public_hex()])
        .args(extra);
    for (k, _) in std::env::vars() {
        if k.starts_with("JICENG_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

async fn case(
    db: Db,
    name: &str,
    attack: impl AsyncFnOnce(&TestDb) -> Vec<String>,
    expect: &[&str],
) {
    let Some((t, county)) = build_with_county(db).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sql = attack(&t).await;
    tamper(&t, db, &sql).await;
    let (ok, out) = verify(&t, dir.path(), &[]);
    assert!(!ok, "{name}: the tampered log must not verify\n{out}");
    for e in expect {
        assert!(out.contains(e), "{name}: expected {e:?} in\n{out}");
    }
    assert!(
        out.contains("系统审计链：验证失败"),
        "{name}: the chain is named\n{out}"
    );
    assert!(out.contains("chain system"), "{name}\n{out}");
    // The county's chain beside it still verifies, and is proven in the province checkpoint.
    let county_line = format!("{}：验证通过，2 条记录", county.describe_zh());
    assert!(
        out.contains(&county_line),
        "{name}: {county_line:?} in\n{out}"
    );
    assert!(out.contains("在全省检查点中"), "{name}\n{out}");
    let (ok, out) = verify(&t, dir.path(), &["--county", &county.to_string()]);
    assert!(ok, "{name}: the county alone verifies\n{out}");
}

async fn all_attacks(db: Db) {
    // Untouched: verifies.
    if let Some(t) = build(db).await {
        let dir = tempfile::tempdir().unwrap();
        let (ok, out) = verify(&t, dir.path(), &[]);
        assert!(ok, "an untouched log verifies\n{out}");
        assert!(
            out.contains(&format!("2 条审计链，{} 条记录", SIGNED + 4)),
            "{out}"
        );
    } else {
        return;
    }
    case(
        db,
        "one byte of one payload",
        async |t: &TestDb| {
            let e = entry(t, 12).await;
            let changed = e.payload.text().replacen("10.0.0.", "10.0.9.", 1);
            assert_ne!(changed, e.payload.text());
            vec![format!(
                "UPDATE audit_log SET payload = {} WHERE {} AND seq = 12",
                text(&changed),
                system(db)
            )]
        },
        &["第 12 条记录的内容被改动", "entry 12"],
    )
    .await;
    case(
        db,
        "one entry deleted",
        async |_: &TestDb| {
            vec![format!(
                "DELETE FROM audit_log WHERE {} AND seq = 9",
                system(db)
            )]
        },
        &["第 9 条记录缺失", "entry 9"],
    )
    .await;
    case(
        db,
        "two entries swapped",
        async |t: &TestDb| {
            let (a, b) = (entry(t, 15).await, entry(t, 16).await);
            vec![set_row(db, 15, &b), set_row(db, 16, &a)]
        },
        &["第 15 条记录出现在第 16 条之后", "entry 15"],
    )
    .await;
    case(db, "a forged entry inserted", async |t: &TestDb| {
        let prev = entry(t, 9).await;
        let forged = AuditEntry::after(
            Some((prev.seq, prev.hash)),
            &AuditRecord::new(Chain::System, prev.at, "intruder", "user.grant_role", "user:x", json!({"role": "administrator"})),
        );
        let key = system(db).trim_start_matches("county_id = ");
        vec![
            format!("UPDATE audit_log SET seq = -seq WHERE {} AND seq >= 10", system(db)),
            format!("UPDATE audit_log SET seq = 1 - seq WHERE {} AND seq < 0", system(db)),
            format!(
                "INSERT INTO audit_log (county_id, seq, at, actor, action, object, payload, prev_hash, hash) VALUES ({key}, 10, {}, 'intruder', 'user.grant_role', 'user:x', {}, {}, {})",
                forged.at.timestamp_micros(),
                text(forged.payload.text()),
                blob(db, &forged.prev_hash),
                blob(db, &forged.hash)
            ),
        ]
    }, &["第 10 条记录是插入或伪造的", "entry 10"]).await;
    case(
        db,
        "tail truncated",
        async |_: &TestDb| {
            vec![format!(
                "DELETE FROM audit_log WHERE {} AND seq > {}",
                system(db),
                SIGNED - 4
            )]
        },
        &["尾部被截断", &format!("entry {}", SIGNED - 3)],
    )
    .await;
}

#[tokio::test]
async fn sqlite_tampering_is_found_and_named() {
    all_attacks(Db::Sqlite).await;
}

#[tokio::test]
async fn postgres_tampering_is_found_and_named() {
    all_attacks(Db::Postgres).await;
}

/// An order's evidence bundle verifies offline with the public key alone; one changed
/// character makes it fail with a message that says what is wrong.
#[tokio::test]
async fn evidence_bundle_verifies_offline() {
    use jiceng_kernel::access::Principal;
    use jiceng_orders::work_order::NewWorkOrder;
    use jiceng_orders::work_order::register::IntakeForm;
    let t = testing::sqlite().await;
    let orders = jiceng_server::orders_for(t.store.clone()).with_audit_key(key());
    let (county, people) = county_with(
        &orders,
        &[
            ("operator", Role::HotlineOperator),
            ("supervisor", Role::Supervisor),
        ],
    )
    .await;
    let [op, sup] = people.try_into().unwrap();
    let new = NewWorkOrder::parse(IntakeForm {
        caller_name: Some("王五"),
        caller_phone: Some("13700001111"),
        content: "小区门口消防通道被车辆堵塞",
        ..Default::default()
    })
    .unwrap();
    let order = orders
        .register_order(&Principal::from(op), new, Some(county.id), None)
        .await
        .unwrap();
    let bundle = orders
        .evidence_bundle(&Principal::from(sup), order.id)
        .await
        .unwrap();
    assert_eq!(bundle.entries.len(), 1);
    let text = serde_json::to_string_pretty(&bundle).unwrap();
    assert!(
        !text.contains("13700001111") && !text.contains("王五"),
        "no personal data in evidence"
    );
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(&good, &text).unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        text.replacen("\"register\"", "\"registex\"", 1).replacen(
            "work_order.register",
            "work_order.registex",
            1,
        ),
    )
    .unwrap();
    let run = |file: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_jiceng"))
            .args(["audit", "verify-bundle"])
            .arg(file)
            .args(["--public-key", &public_hex()])
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = run(&good);
    assert!(ok, "{out}");
    assert!(out.contains("证据包验证通过"), "{out}");
    let (ok, out) = run(&bad);
    assert!(!ok, "{out}");
    let seq = bundle.entries[0].entry.seq;
    assert!(
        out.contains(&format!("第 {seq} 条记录的内容与其哈希不符")),
        "{out}"
    );
    let other = hex::encode(
        ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
            .verifying_key()
            .as_bytes(),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_jiceng"))
        .args(["audit", "verify-bundle"])
        .arg(&good)
        .args(["--public-key", &other])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("检查点签名无效"));
}

/// An order whose first steps were logged before there were chains (in the closed log) and
/// its later ones in its county's chain: its trail shows both, each proven in its own chain's
/// checkpoint, and its evidence bundle verifies offline with both parts.
#[tokio::test]
async fn an_order_from_before_the_chains_keeps_its_trail_and_evidence() {
    use jiceng_kernel::access::Principal;
    use jiceng_orders::work_order::NewWorkOrder;
    use jiceng_orders::work_order::register::IntakeForm;
    use sqlx::Connection;
    let t = testing::sqlite().await;
    let orders = jiceng_server::orders_for(t.store.clone()).with_audit_key(key());
    let (county, people) = county_with(
        &orders,
        &[
            ("operator", Role::HotlineOperator),
            ("supervisor", Role::Supervisor),
        ],
    )
    .await;
    let [op, sup] = people.try_into().unwrap();
    let new = NewWorkOrder::parse(IntakeForm {
        caller_name: Some("王五"),
        caller_phone: Some("13700001111"),
        content: "小区门口消防通道被车辆堵塞",
        ..Default::default()
    })
    .unwrap();
    let order = orders
        .register_order(&Principal::from(op), new, Some(county.id), None)
        .await
        .unwrap();
    // Three entries about the order in the log of the time before chains, as written then.
    let object = format!("work_order:{}", order.id);
    let mut old: Vec<AuditEntry> = Vec::new();
    for i in 0..3 {
        let r = AuditRecord::new(
            Chain::Closed,
            chrono::Utc::now(),
            "u0",
            "work_order.note",
            if i == 1 { "user:x" } else { object.as_str() },
            json!({"i": i}),
        );
        old.push(AuditEntry::next(old.last(), &r));
    }
    let mut c = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
    for e in &old {
        sqlx::query(
            "INSERT INTO audit_log_closed (seq, at, actor, action, object, payload, prev_hash, hash) \
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
        .execute(&mut c)
        .await
        .unwrap();
    }
    // The closed log's size; its last hash stays the genesis the county's chain started from
    // (a log closed by migration 0019 ends at it: see jiceng-store's audit_chains tests).
    sqlx::query("UPDATE audit_head_closed SET seq = 3 WHERE id = 1")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();

    let sup = Principal::from(sup);
    let bundle = orders.evidence_bundle(&sup, order.id).await.unwrap();
    let closed = bundle.closed.as_ref().expect("the part before the chains");
    assert_eq!(closed.checkpoint.chain, Chain::Closed);
    assert_eq!(
        closed.checkpoint.size, 3,
        "the closed log's final checkpoint"
    );
    let seqs: Vec<u64> = closed.entries.iter().map(|p| p.entry.seq).collect();
    assert_eq!(seqs, [1, 3]);
    assert_eq!(bundle.checkpoint.chain, Chain::County(county.path.county()));
    assert_eq!(bundle.entries.len(), 1);
    assert_eq!(bundle.verify(&key().verifying_key()), Ok(3));
    let trail = orders.order_trail(&sup, order.id).await.unwrap();
    let chains: Vec<String> = trail.entries.iter().map(|e| e.chain.to_string()).collect();
    assert_eq!(
        chains,
        ["closed", "closed", &county.path.county().to_string()]
    );
    assert_eq!(trail.status, "verified", "{trail:?}");
}
