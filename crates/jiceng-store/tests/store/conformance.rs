//! The storage conformance suite: every test runs on SQLite and, when
//! `JICENG_TEST_POSTGRES_URL` is set, on PostgreSQL, against a fresh database each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use jiceng_accounts::ports::{AuthStore, OrgStore, UnitQuery, UserQuery, UserStore};
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::auth::{ApiToken, SessionRecord};
use jiceng_kernel::calendar::TimeLimit;
use jiceng_kernel::error::{ErrorKind, codes};
use jiceng_kernel::ids::{DutyId, DutyListId, TokenId, UnitId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit, UnitPath};
use jiceng_kernel::ports::Backend;
use jiceng_kernel::user::{Role, RoleGrant, User};
use jiceng_orders::duty::{Duty, DutyList, DutyListInfo, DutyListStatus, LocalUnit, UnitRef};
use jiceng_orders::ports::DutyStore;
use jiceng_store::SqlStore;
use std::sync::Arc;

type S = Arc<SqlStore>;

use jiceng_store::testing::t0;

use jiceng_store::testing::unit;

fn user(name: &str, grants: &[(Role, &OrgUnit)]) -> User {
    User {
        id: UserId(uuid::Uuid::now_v7()),
        username: name.into(),
        display_name: format!("{name} 姓名"),
        phone: Some("13800001234".into()),
        disabled: false,
        created_at: t0(),
        grants: grants
            .iter()
            .map(|(role, u)| RoleGrant {
                role: *role,
                unit_id: u.id,
                unit_name: u.name.clone(),
                unit_path: u.path.clone(),
            })
            .collect(),
    }
}

struct Tree {
    county: OrgUnit,
    town_a: OrgUnit,
    town_b: OrgUnit,
    village_a: OrgUnit,
    grid_a: OrgUnit,
}

async fn tree(s: &S) -> Tree {
    let county = unit(None, OrgKind::County, "广安区", Some("511602000000"));
    let town_a = unit(
        Some(&county),
        OrgKind::Street,
        "浓洄街道",
        Some("511602001000"),
    );
    let town_b = unit(Some(&county), OrgKind::Town, "官盛镇", Some("511602101000"));
    let village_a = unit(Some(&town_a), OrgKind::Community, "滨江社区_100%", None);
    let mut grid_a = unit(Some(&village_a), OrgKind::Grid, "第1网格", None);
    grid_a.geometry = Some(
        serde_json::json!({"type": "Polygon", "coordinates": [[[106.6, 30.4], [106.7, 30.4], [106.7, 30.5], [106.6, 30.4]]]}),
    );
    s.insert_units(&[
        county.clone(),
        town_a.clone(),
        town_b.clone(),
        village_a.clone(),
    ])
    .await
    .unwrap();
    s.insert_unit(&grid_a, &rec()).await.unwrap();
    Tree {
        county,
        town_a,
        town_b,
        village_a,
        grid_a,
    }
}

fn q(scope: Vec<UnitPath>) -> UnitQuery {
    UnitQuery {
        scope,
        limit: 100,
        ..Default::default()
    }
}

async fn units_round_trip(s: S) {
    let t = tree(&s).await;
    let got = s.get_unit(t.grid_a.id).await.unwrap().unwrap();
    assert_eq!(got, t.grid_a, "geometry, path and microsecond time survive");
    assert_eq!(
        s.find_unit_by_code("511602101000")
            .await
            .unwrap()
            .unwrap()
            .id,
        t.town_b.id
    );
    assert!(
        s.get_unit(UnitId(uuid::Uuid::now_v7()))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(s.count_units().await.unwrap(), 5);
    let all = s.list_units(&q(vec![])).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].id, t.county.id, "tree order starts at the root");
    let children = s
        .list_units(&UnitQuery {
            parent: Some(t.county.id),
            ..q(vec![])
        })
        .await
        .unwrap();
    assert_eq!(children.len(), 2);
    let towns = s
        .list_units(&UnitQuery {
            kind: Some(OrgKind::Town),
            ..q(vec![])
        })
        .await
        .unwrap();
    assert_eq!(
        towns.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![t.town_b.id]
    );
}

async fn scope_is_the_subtree(s: S) {
    let t = tree(&s).await;
    let in_a = s.list_units(&q(vec![t.town_a.path.clone()])).await.unwrap();
    let ids: Vec<UnitId> = in_a.iter().map(|u| u.id).collect();
    assert_eq!(ids, vec![t.town_a.id, t.village_a.id, t.grid_a.id]);
    let both = s
        .list_units(&q(vec![t.village_a.path.clone(), t.town_b.path.clone()]))
        .await
        .unwrap();
    assert_eq!(both.len(), 3);
    assert!(
        both.iter()
            .all(|u| u.id != t.county.id && u.id != t.town_a.id)
    );
}

async fn name_search_escapes_wildcards(s: S) {
    let t = tree(&s).await;
    let hit = s
        .list_units(&UnitQuery {
            name_contains: Some("_100%".into()),
            ..q(vec![])
        })
        .await
        .unwrap();
    assert_eq!(hit.len(), 1);
    assert_eq!(hit[0].id, t.village_a.id);
    let none = s
        .list_units(&UnitQuery {
            name_contains: Some("%".into()),
            ..q(vec![t.town_b.path.clone()])
        })
        .await
        .unwrap();
    assert!(none.is_empty(), "a literal % must not match everything");
}

/// A value the engine cannot store (PostgreSQL refuses a NUL in text) is the input's fault: a
/// validation error, never an internal one.
async fn a_value_the_engine_refuses_is_a_validation_error(s: S) {
    tree(&s).await;
    let found = s
        .list_units(&UnitQuery {
            name_contains: Some("浓洄\0街道".into()),
            ..q(vec![])
        })
        .await;
    match found {
        Ok(units) => assert!(units.is_empty()),
        Err(e) => assert_eq!(e.code, codes::STORAGE_INVALID_VALUE, "{e:?}"),
    }
}

async fn keyset_pagination_is_complete(s: S) {
    let t = tree(&s).await;
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .list_units(&UnitQuery {
                after_path: after.clone(),
                limit: 2,
                ..q(vec![])
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|u| u.path.as_str().to_owned());
        seen.extend(page.into_iter().map(|u| u.id));
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[0], t.county.id);
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 5, "no unit twice across pages");
}

async fn duplicate_code_is_a_conflict(s: S) {
    let t = tree(&s).await;
    let dup = unit(Some(&t.county), OrgKind::Town, "重复", Some("511602101000"));
    let e = s.insert_unit(&dup, &rec()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(e.code, "org_unit.duplicate_code");
    // A failed bulk insert writes nothing at all.
    let fresh = unit(Some(&t.county), OrgKind::Town, "新镇", Some("511602999000"));
    assert!(s.insert_units(&[fresh.clone(), dup]).await.is_err());
    assert!(s.get_unit(fresh.id).await.unwrap().is_none());
    let mut renamed = t.town_b.clone();
    renamed.name = "官盛镇（新）".into();
    s.update_unit(&renamed, &rec()).await.unwrap();
    assert_eq!(
        s.get_unit(t.town_b.id).await.unwrap().unwrap().name,
        "官盛镇（新）"
    );
}

async fn users_round_trip(s: S) {
    let t = tree(&s).await;
    let alice = user(
        "alice",
        &[
            (Role::UnitHandler, &t.town_a),
            (Role::GridWorker, &t.grid_a),
        ],
    );
    let bob = user("bob", &[(Role::Supervisor, &t.county)]);
    s.insert_user(&alice, "hash-a", &rec()).await.unwrap();
    s.insert_user(&bob, "hash-b", &rec()).await.unwrap();
    let mut got = s.get_user(alice.id).await.unwrap().unwrap();
    got.grants.sort_by_key(|g| g.role);
    let mut want = alice.clone();
    want.grants.sort_by_key(|g| g.role);
    assert_eq!(got, want);
    let (u, hash) = s.find_login("alice").await.unwrap().unwrap();
    assert_eq!((u.id, hash.as_str()), (alice.id, "hash-a"));
    assert!(s.find_login("carol").await.unwrap().is_none());

    let dup = user("alice", &[(Role::Citizen, &t.county)]);
    let e = s.insert_user(&dup, "x", &rec()).await.unwrap_err();
    assert_eq!(e.code, "user.duplicate_username");
    assert!(s.get_user(dup.id).await.unwrap().is_none());

    let uq = |scope: Vec<UnitPath>| UserQuery {
        scope,
        limit: 50,
        ..Default::default()
    };
    let in_b = s
        .list_users(&uq(vec![t.town_b.path.clone()]))
        .await
        .unwrap();
    assert!(in_b.is_empty());
    let in_a = s
        .list_users(&uq(vec![t.town_a.path.clone()]))
        .await
        .unwrap();
    assert_eq!(
        in_a.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![alice.id]
    );
    assert_eq!(
        in_a[0].grants.len(),
        2,
        "all grants are loaded, not only those in scope"
    );
    let sup = s
        .list_users(&UserQuery {
            role: Some(Role::Supervisor),
            ..uq(vec![])
        })
        .await
        .unwrap();
    assert_eq!(sup.iter().map(|u| u.id).collect::<Vec<_>>(), vec![bob.id]);
    let by_name = s
        .list_users(&UserQuery {
            name_contains: Some("bo".into()),
            ..uq(vec![])
        })
        .await
        .unwrap();
    assert_eq!(by_name.len(), 1);
    assert_eq!(s.count_users().await.unwrap(), 2);

    s.add_grant(bob.id, Role::Dispatcher, t.county.id, &rec())
        .await
        .unwrap();
    let e = s
        .add_grant(bob.id, Role::Dispatcher, t.county.id, &rec())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert!(
        s.remove_grant(bob.id, Role::Dispatcher, t.county.id, &rec())
            .await
            .unwrap()
    );
    assert!(
        !s.remove_grant(bob.id, Role::Dispatcher, t.county.id, &rec())
            .await
            .unwrap()
    );
    s.set_disabled(bob.id, true, &rec()).await.unwrap();
    assert!(s.get_user(bob.id).await.unwrap().unwrap().disabled);
    s.set_password_hash(bob.id, "hash-b2", &rec())
        .await
        .unwrap();
    assert_eq!(s.find_login("bob").await.unwrap().unwrap().1, "hash-b2");
}

async fn sessions_and_tokens(s: S) {
    let t = tree(&s).await;
    let u = user("alice", &[(Role::Administrator, &t.county)]);
    s.insert_user(&u, "h", &rec()).await.unwrap();
    let sess = |h: &str| SessionRecord {
        token_hash: h.into(),
        user_id: u.id,
        csrf_token: format!("csrf-{h}"),
        created_at: t0(),
        expires_at: t0() + Duration::hours(12),
    };
    s.insert_session(&sess("s1")).await.unwrap();
    s.insert_session(&sess("s2")).await.unwrap();
    assert_eq!(s.get_session("s1").await.unwrap().unwrap(), sess("s1"));
    s.delete_user_sessions(u.id, Some("s2")).await.unwrap();
    assert!(s.get_session("s1").await.unwrap().is_none());
    assert!(s.get_session("s2").await.unwrap().is_some());
    s.delete_session("s2").await.unwrap();
    assert!(s.get_session("s2").await.unwrap().is_none());
    // Keeping none ends every session of the user, and only theirs.
    let other = user("carol", &[(Role::Administrator, &t.county)]);
    s.insert_user(&other, "h", &rec()).await.unwrap();
    s.insert_session(&sess("s3")).await.unwrap();
    s.insert_session(&sess("s4")).await.unwrap();
    s.insert_session(&SessionRecord {
        user_id: other.id,
        ..sess("s5")
    })
    .await
    .unwrap();
    s.delete_user_sessions(u.id, None).await.unwrap();
    assert!(s.get_session("s3").await.unwrap().is_none());
    assert!(s.get_session("s4").await.unwrap().is_none());
    assert!(s.get_session("s5").await.unwrap().is_some());

    let tok = ApiToken {
        id: TokenId(uuid::Uuid::now_v7()),
        user_id: u.id,
        name: "采集脚本".into(),
        prefix: "jct_abcdef".into(),
        created_at: t0(),
        expires_at: Some(t0() + Duration::days(30)),
        last_used_at: None,
    };
    s.insert_api_token(&tok, "th").await.unwrap();
    assert_eq!(s.get_api_token("th").await.unwrap().unwrap(), tok);
    s.touch_api_token(tok.id, t0() + Duration::minutes(1))
        .await
        .unwrap();
    let listed = s.list_api_tokens(u.id).await.unwrap();
    assert_eq!(listed[0].last_used_at, Some(t0() + Duration::minutes(1)));
    let other = UserId(uuid::Uuid::now_v7());
    assert!(
        !s.delete_api_token(other, tok.id).await.unwrap(),
        "only the owner revokes"
    );
    assert!(s.delete_api_token(u.id, tok.id).await.unwrap());
    assert!(s.get_api_token("th").await.unwrap().is_none());
}

async fn login_attempts_are_counted(s: S) {
    let at = |m: i64| t0() + Duration::minutes(m);
    for m in 0..3 {
        s.record_login("alice", "10.0.0.1", false, at(m))
            .await
            .unwrap();
    }
    s.record_login("bob", "10.0.0.1", false, at(3))
        .await
        .unwrap();
    s.record_login("alice", "10.0.0.2", true, at(4))
        .await
        .unwrap();
    s.record_login("alice", "10.0.0.2", false, at(5))
        .await
        .unwrap();
    let c = s
        .login_failures_since("alice", "10.0.0.1", at(-1))
        .await
        .unwrap();
    assert_eq!((c.for_user, c.for_ip), (4, 4));
    let c = s
        .login_failures_since("alice", "10.0.0.1", at(1))
        .await
        .unwrap();
    assert_eq!((c.for_user, c.for_ip), (2, 2));
    assert_eq!(s.last_login_success("alice").await.unwrap(), Some(at(4)));
    assert_eq!(s.last_login_success("bob").await.unwrap(), None);
}

async fn ping_and_backend(s: S) {
    s.ping().await.unwrap();
    assert!(["sqlite", "postgres"].contains(&s.backend()));
}

fn duty(position: u32, lead: UnitRef, village_assist: bool) -> Duty {
    Duty {
        id: DutyId(uuid::Uuid::now_v7()),
        position,
        matter: format!("事项{position}"),
        category: "城乡建设/城市建设和市政管理/环境卫生".into(),
        keywords: vec!["垃圾".into(), "油烟".into()],
        assisting: vec![UnitRef::Local {
            local: LocalUnit::TownOffice("综合行政执法队".into()),
        }],
        lead,
        legal_basis: Some("《城市市容和环境卫生管理条例》".into()),
        sign_for: TimeLimit::WorkingHours(8),
        handling: TimeLimit::WorkingDays(5),
        callback: village_assist.then_some(TimeLimit::NaturalHours(48)),
        village_assist,
    }
}

fn duty_list(unit: &OrgUnit, version: u32, duties: Vec<Duty>) -> DutyList {
    DutyList {
        info: DutyListInfo {
            id: DutyListId(uuid::Uuid::now_v7()),
            unit_id: unit.id,
            version,
            status: DutyListStatus::Draft,
            effective_date: None,
            created_by: None,
            created_at: t0(),
            published_at: None,
            duty_count: duties.len() as u32,
        },
        duties,
    }
}

async fn duty_lists_round_trip(s: S) {
    let t = tree(&s).await;
    let v1 = duty_list(
        &t.county,
        1,
        vec![
            duty(
                1,
                UnitRef::Unit {
                    id: t.town_b.id,
                    name: t.town_b.name.clone(),
                },
                true,
            ),
            duty(
                2,
                UnitRef::Local {
                    local: LocalUnit::Community,
                },
                false,
            ),
        ],
    );
    s.insert_duty_list(&v1).await.unwrap();
    assert_eq!(
        s.get_duty_list(crate::county(&s).await, v1.info.id)
            .await
            .unwrap()
            .unwrap(),
        v1
    );
    let taken = duty_list(&t.county, 1, vec![]);
    let e = s.insert_duty_list(&taken).await.unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_str()),
        (ErrorKind::Conflict, "duty_list.version_taken")
    );
    assert!(
        s.get_duty_list(crate::county(&s).await, taken.info.id)
            .await
            .unwrap()
            .is_none()
    );

    let v2 = duty_list(
        &t.county,
        2,
        vec![duty(
            1,
            UnitRef::Local {
                local: LocalUnit::Grid,
            },
            false,
        )],
    );
    s.insert_duty_list(&v2).await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    s.publish_duty_list(crate::county(&s).await, v1.info.id, day, t0(), &[])
        .await
        .unwrap();
    s.publish_duty_list(
        crate::county(&s).await,
        v2.info.id,
        day,
        t0(),
        &[(v1.info.id, DutyListStatus::Superseded)],
    )
    .await
    .unwrap();
    let e = s
        .publish_duty_list(crate::county(&s).await, v2.info.id, day, t0(), &[])
        .await
        .unwrap_err();
    assert_eq!(e.code, "duty_list.not_draft");
    let infos = s.list_duty_lists(t.county.id).await.unwrap();
    let got: Vec<_> = infos
        .iter()
        .map(|i| {
            (
                i.version,
                i.status,
                i.effective_date,
                i.duty_count,
                i.published_at,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (2, DutyListStatus::Effective, Some(day), 1, Some(t0())),
            (1, DutyListStatus::Superseded, Some(day), 2, Some(t0())),
        ]
    );
    assert!(s.list_duty_lists(t.town_a.id).await.unwrap().is_empty());
}

jiceng_store::conformance!(
    units_round_trip,
    scope_is_the_subtree,
    name_search_escapes_wildcards,
    a_value_the_engine_refuses_is_a_validation_error,
    keyset_pagination_is_complete,
    duplicate_code_is_a_conflict,
    users_round_trip,
    sessions_and_tokens,
    login_attempts_are_counted,
    ping_and_backend,
    duty_lists_round_trip,
);

/// Both backends' migrations must produce the same tables and columns.
#[tokio::test]
async fn schemas_match() {
    let Some(pg) = jiceng_store::testing::postgres().await else {
        return;
    };
    let lite = jiceng_store::testing::sqlite().await;
    let a = lite.store.schema_columns().await.unwrap();
    let b = pg.store.schema_columns().await.unwrap();
    assert!(!a.is_empty());
    assert_eq!(a, b, "SQLite and PostgreSQL schemas differ");
}

/// Migrating twice is harmless; the SQLite file is in WAL mode.
#[tokio::test]
async fn sqlite_is_wal_and_migrations_are_idempotent() {
    let db = jiceng_store::testing::sqlite().await;
    db.store.migrate().await.unwrap();
    let again = SqlStore::connect(&db.url).await.unwrap();
    again.migrate().await.unwrap();
    let wal = std::fs::metadata(format!("{}-wal", db.url.trim_start_matches("sqlite://")));
    assert!(wal.is_ok(), "a -wal file exists next to the database");
}

/// An audit record for changes made directly through the store.
fn rec() -> AuditRecord {
    AuditRecord::new(
        jiceng_kernel::audit::chain::Chain::System,
        chrono::Utc::now(),
        "system",
        "test.change",
        "test:conformance",
        serde_json::json!({}),
    )
}

/// Appends chain on both backends, and the log and its checkpoints refuse UPDATE and DELETE.
async fn audit_log_is_append_only(db: &jiceng_store::testing::TestDb) {
    use jiceng_kernel::audit::checkpoint::{Checkpoint, StoredCheckpoint};
    use jiceng_kernel::audit::frontier::Frontier;
    use jiceng_kernel::ports::AuditStore;
    use sqlx::Connection;
    let s = &db.store;
    let now = Utc::now();
    let c = jiceng_kernel::audit::chain::Chain::County(jiceng_kernel::ids::CountyId(
        uuid::Uuid::now_v7(),
    ));
    let recs: Vec<AuditRecord> = (0..3)
        .map(|i| {
            AuditRecord::new(
                c,
                now,
                "u",
                "test.step",
                format!("obj:{}", i % 2),
                serde_json::json!({"i": i}),
            )
        })
        .collect();
    s.append_audit(&recs[..2]).await.unwrap();
    s.append_audit(&recs[2..]).await.unwrap();
    assert_eq!(s.audit_size(c).await.unwrap(), 3);
    let log = s.audit_page(c, 0, 10).await.unwrap();
    assert_eq!(log.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    for w in log.windows(2) {
        assert_eq!(
            w[1].prev_hash, w[0].hash,
            "each entry links to the one before"
        );
    }
    assert!(log.iter().all(|e| e.compute_hash() == e.hash));
    assert_eq!(s.audit_for_object(c, "obj:0").await.unwrap().len(), 2);
    assert_eq!(
        s.audit_leaves(c, 2).await.unwrap(),
        [log[0].hash, log[1].hash]
    );
    let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
    let mut f = Frontier::default();
    log.iter().for_each(|e| f.push(e.hash));
    let cp = StoredCheckpoint {
        checkpoint: Checkpoint::sign(&key, c, 3, &f.root(), now),
        key_id: "k".into(),
        last_hash: log[2].hash,
        frontier: f,
    };
    assert!(s.insert_checkpoint(&cp).await.unwrap());
    assert!(
        !s.insert_checkpoint(&cp).await.unwrap(),
        "one checkpoint per size"
    );
    let back = s.latest_checkpoint(c).await.unwrap().unwrap();
    assert_eq!(back, cp);
    assert!(back.checkpoint.verify(&key.verifying_key()));

    let refused = [
        "UPDATE audit_log SET payload = '{}' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 3",
        "UPDATE audit_checkpoints SET size = 9",
        "DELETE FROM audit_checkpoints",
    ];
    for sql in refused {
        let r = if db.url.starts_with("sqlite") {
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ())
        } else {
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ())
        };
        let e = r.expect_err(sql).to_string();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    if !db.url.starts_with("sqlite") {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let e = sqlx::raw_sql("TRUNCATE audit_log")
            .execute(&mut c)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
    assert_eq!(
        s.audit_page(c, 0, 10).await.unwrap(),
        log,
        "nothing changed"
    );
}

#[tokio::test]
async fn sqlite_audit_log_is_append_only() {
    audit_log_is_append_only(&jiceng_store::testing::sqlite().await).await;
}

#[tokio::test]
async fn postgres_audit_log_is_append_only() {
    let Some(db) = jiceng_store::testing::postgres().await else {
        return;
    };
    audit_log_is_append_only(&db).await;
}

/// Writers in two processes (two stores on one database, each with its own guess of the
/// head) and many tasks in each append at once: the log stays one chain, numbered without
/// gaps or repeats, and reads back the same entry by entry and as stored.
async fn concurrent_appends_never_fork(db: &jiceng_store::testing::TestDb) {
    use jiceng_kernel::audit::chain::ChainVerifier;
    use jiceng_kernel::ports::AuditStore;
    use std::ops::ControlFlow;
    let a = db.store.clone();
    let b = Arc::new(SqlStore::connect(&db.url).await.unwrap());
    let c = jiceng_kernel::audit::chain::Chain::County(jiceng_kernel::ids::CountyId(
        uuid::Uuid::now_v7(),
    ));
    let mut tasks = Vec::new();
    for i in 0..40usize {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            for round in 0..5usize {
                let recs: Vec<AuditRecord> = (0..1 + (i + round) % 3)
                    .map(|k| {
                        AuditRecord::new(
                            c,
                            Utc::now(),
                            format!("writer:{i}"),
                            "test.race",
                            format!("obj:{i}"),
                            serde_json::json!({"round": round, "k": k}),
                        )
                    })
                    .collect();
                s.append_audit(&recs).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let want: u64 = (0..40usize)
        .map(|i| (0..5).map(|r| 1 + (i + r) % 3).sum::<usize>() as u64)
        .sum();
    assert_eq!(a.audit_size(c).await.unwrap(), want);
    assert_eq!(b.audit_size(c).await.unwrap(), want);
    let log = a.audit_page(c, 0, 10_000).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=want).collect::<Vec<_>>()
    );
    let mut v = ChainVerifier::default();
    for e in &log {
        v.push(e).unwrap();
    }
    assert_eq!(v.finish(want), Ok(want));
    let mut scanned = Vec::new();
    b.audit_scan(c, 0, &mut |e| {
        scanned.push((e.seq, e.hash.to_vec(), e.payload.to_vec()));
        ControlFlow::Continue(())
    })
    .await
    .unwrap();
    let paged: Vec<_> = log
        .iter()
        .map(|e| (e.seq, e.hash.to_vec(), e.payload.text().as_bytes().to_vec()))
        .collect();
    assert_eq!(scanned, paged);
    // A scan stops where its visitor says, and starts after the number given.
    let mut seen = Vec::new();
    a.audit_scan(c, want - 3, &mut |e| {
        seen.push(e.seq);
        if seen.len() == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .await
    .unwrap();
    assert_eq!(seen, [want - 2, want - 1]);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_appends_never_fork() {
    concurrent_appends_never_fork(&jiceng_store::testing::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_appends_never_fork() {
    let Some(db) = jiceng_store::testing::postgres().await else {
        return;
    };
    concurrent_appends_never_fork(&db).await;
}
