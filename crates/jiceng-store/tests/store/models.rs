//! Category corrections and stored models behave the same on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use jiceng_accounts::ports::{OrgStore, UserStore};
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::error::ErrorKind;
use jiceng_kernel::ids::{OrderId, UnitId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit, UnitPath};
use jiceng_kernel::ports::AuditStore;
use jiceng_kernel::user::User;
use jiceng_orders::effects::{AuditItem, Effects};
use jiceng_orders::learning::{
    CategoryCorrection, ClassifierStore, ModelId, StoredModel, TrainingSummary,
};
use jiceng_orders::ports::CommitStore;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Assignee, NewWorkOrder, Status};
use jiceng_store::SqlStore;

fn t(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap()
}

fn rec() -> AuditRecord {
    AuditRecord::new(
        jiceng_kernel::audit::chain::Chain::System,
        t(1),
        "system",
        "test",
        "x",
        serde_json::json!({}),
    )
}

/// Stores a correction with its audit record through the one commit path.
async fn put_correction(s: &SqlStore, c: &CategoryCorrection, audit: &AuditRecord) {
    let mut effects = Effects::new(c.corrected_at);
    effects.corrections.push(c.clone());
    effects.audit.push(AuditItem::Record(audit.clone()));
    s.commit(&effects).await.unwrap();
}

struct World {
    town_a: OrgUnit,
    town_b: OrgUnit,
    user: UserId,
}

async fn world(s: &SqlStore) -> World {
    let id = UnitId(uuid::Uuid::now_v7());
    let county = OrgUnit {
        id,
        parent_id: None,
        kind: OrgKind::County,
        name: "广安区".into(),
        code: None,
        path: UnitPath::root(id),
        geometry: None,
        created_at: t(1_795_000_000_000_000),
    };
    let town = |name: &str| {
        let tid = UnitId(uuid::Uuid::now_v7());
        OrgUnit {
            id: tid,
            parent_id: Some(county.id),
            kind: OrgKind::Town,
            name: name.into(),
            path: county.path.child(tid),
            ..county.clone()
        }
    };
    let (town_a, town_b) = (town("浓洄街道"), town("官盛镇"));
    s.insert_units(&[county.clone(), town_a.clone(), town_b.clone()])
        .await
        .unwrap();
    let user = User {
        id: UserId(uuid::Uuid::now_v7()),
        username: "dispatcher".into(),
        display_name: "派单员".into(),
        phone: None,
        disabled: false,
        created_at: t(1_795_000_000_000_000),
        grants: Vec::new(),
    };
    s.insert_user(&user, "x", &rec()).await.unwrap();
    World {
        town_a,
        town_b,
        user: user.id,
    }
}

/// An order stored directly in the given state, with the given category.
async fn order(
    s: &SqlStore,
    w: &World,
    unit: &OrgUnit,
    status: Status,
    category: Option<&str>,
    text: &str,
) -> OrderId {
    let new = NewWorkOrder::parse(IntakeForm {
        title: Some(text),
        content: text,
        category,
        caller_name: Some("张三"),
        caller_phone: Some("13912345678"),
        ..Default::default()
    })
    .unwrap();
    let at = t(1_795_000_000_000_000);
    let id = OrderId(uuid::Uuid::now_v7());
    let region = Assignee {
        unit_id: unit.id,
        unit_name: unit.name.clone(),
        unit_path: unit.path.clone(),
    };
    let (mut o, e) = new.into_order(id, String::new(), region, w.user, "派单员", at);
    o.status = status;
    s.commit(Effects::new(o.created_at).new_order(o.clone(), vec![e.clone()], "JC20261124"))
        .await
        .unwrap();
    id
}

fn correction(
    county: jiceng_kernel::ids::CountyId,
    order: OrderId,
    by: UserId,
    label: &str,
    at: i64,
) -> CategoryCorrection {
    CategoryCorrection {
        county,
        order_id: order,
        predicted: Some("交通运输".into()),
        model: Some("default".into()),
        corrected: label.into(),
        corrected_by: by,
        corrected_at: t(at),
    }
}

async fn corrections_are_kept_per_order_and_feed_training(s: &SqlStore) {
    let w = world(s).await;
    let archived = order(s, &w, &w.town_a, Status::Archived, Some("城乡建设"), "违建").await;
    order(s, &w, &w.town_a, Status::Archived, None, "无分类").await;
    order(
        s,
        &w,
        &w.town_a,
        Status::Handling,
        Some("环境保护"),
        "办理中",
    )
    .await;
    let open = order(s, &w, &w.town_a, Status::Registered, None, "单车乱停").await;
    let merged = order(s, &w, &w.town_a, Status::Merged, Some("交通运输"), "重复").await;
    let elsewhere = order(s, &w, &w.town_b, Status::Archived, Some("教育文体"), "学校").await;
    let before = s
        .audit_size(jiceng_kernel::audit::chain::Chain::System)
        .await
        .unwrap();

    let first = correction(
        crate::county(s).await,
        open,
        w.user,
        "交通运输",
        1_795_000_000_000_001,
    );
    put_correction(s, &first, &rec()).await;
    let latest = correction(
        crate::county(s).await,
        open,
        w.user,
        "城乡建设/城市建设和市政管理",
        1_795_000_000_000_002,
    );
    put_correction(s, &latest, &rec()).await;
    put_correction(
        s,
        &correction(
            crate::county(s).await,
            merged,
            w.user,
            "环境保护",
            1_795_000_000_000_003,
        ),
        &rec(),
    )
    .await;
    assert_eq!(
        s.get_correction(crate::county(s).await, open)
            .await
            .unwrap(),
        Some(latest)
    );
    assert_eq!(
        s.get_correction(crate::county(s).await, archived)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.audit_size(jiceng_kernel::audit::chain::Chain::System)
            .await
            .unwrap(),
        before + 3,
        "each correction audited"
    );

    let all = s.training_rows(&[]).await.unwrap();
    let got: Vec<(OrderId, &str, bool)> = all
        .iter()
        .map(|r| (r.order_id, r.label.as_str(), r.corrected))
        .collect();
    let mut want = vec![
        (archived, "城乡建设", false),
        (open, "城乡建设/城市建设和市政管理", true),
        (elsewhere, "教育文体", false),
    ];
    want.sort();
    assert_eq!(
        got, want,
        "archived with a category and corrected, ordered by id"
    );
    assert_eq!(all[0].title, "违建");
    let in_a = s
        .training_rows(std::slice::from_ref(&w.town_a.path))
        .await
        .unwrap();
    assert_eq!(in_a.len(), 2, "only the region's orders");
}

fn model(at: i64, f1: f64) -> StoredModel {
    StoredModel {
        id: ModelId(uuid::Uuid::now_v7()),
        created_at: t(at),
        created_by: None,
        summary: TrainingSummary {
            labels: vec!["城乡建设".into(), "环境保护".into()],
            archived_orders: 240,
            corrections: 12,
            base_examples: 0,
            holdout: 60,
            macro_f1: f1,
            baseline_model: "default".into(),
            baseline_f1: 0.812_345_678_9,
            seconds: 1.25,
        },
        size: 3,
        sha256: "ab".repeat(32),
        active: false,
        activated_at: None,
        previous: None,
    }
}

async fn models_activate_one_at_a_time_and_remember_the_previous(s: &SqlStore) {
    world(s).await;
    assert!(s.list_models().await.unwrap().is_empty());
    assert_eq!(s.active_model().await.unwrap(), None);
    let m1 = model(1_795_000_000_000_001, 0.875_432_1);
    let m2 = model(1_795_000_000_000_002, 0.9);
    s.insert_model(&m1, b"one", &rec()).await.unwrap();
    s.insert_model(&m2, b"two", &rec()).await.unwrap();
    assert_eq!(s.get_model(m1.id).await.unwrap(), Some(m1.clone()));
    let listed = s.list_models().await.unwrap();
    assert_eq!(listed, vec![m2.clone(), m1.clone()], "newest first");
    assert_eq!(s.model_bytes(m2.id).await.unwrap().unwrap(), b"two");
    assert_eq!(
        s.model_bytes(ModelId(uuid::Uuid::now_v7())).await.unwrap(),
        None
    );

    s.activate_model(Some(m1.id), t(1_795_000_000_000_010), &rec())
        .await
        .unwrap();
    assert_eq!(s.active_model().await.unwrap(), Some(m1.id));
    let a1 = s.get_model(m1.id).await.unwrap().unwrap();
    assert!(a1.active);
    assert_eq!(a1.previous.as_deref(), Some("default"));
    assert_eq!(a1.activated_at, Some(t(1_795_000_000_000_010)));

    s.activate_model(Some(m2.id), t(1_795_000_000_000_020), &rec())
        .await
        .unwrap();
    assert_eq!(s.active_model().await.unwrap(), Some(m2.id));
    let m1_id = m1.id.to_string();
    assert_eq!(
        s.get_model(m2.id)
            .await
            .unwrap()
            .unwrap()
            .previous
            .as_deref(),
        Some(m1_id.as_str())
    );
    assert!(!s.get_model(m1.id).await.unwrap().unwrap().active);

    let before = s
        .audit_size(jiceng_kernel::audit::chain::Chain::System)
        .await
        .unwrap();
    let e = s
        .activate_model(Some(ModelId(uuid::Uuid::now_v7())), t(1), &rec())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(
        s.active_model().await.unwrap(),
        Some(m2.id),
        "nothing changed"
    );
    assert_eq!(
        s.audit_size(jiceng_kernel::audit::chain::Chain::System)
            .await
            .unwrap(),
        before
    );

    s.activate_model(None, t(1_795_000_000_000_030), &rec())
        .await
        .unwrap();
    assert_eq!(
        s.active_model().await.unwrap(),
        None,
        "back to the built-in model"
    );
    assert_eq!(
        s.audit_size(jiceng_kernel::audit::chain::Chain::System)
            .await
            .unwrap(),
        before + 1
    );
}

async fn run_all(s: &SqlStore) {
    corrections_are_kept_per_order_and_feed_training(s).await;
}

#[tokio::test]
async fn sqlite() {
    let db = jiceng_store::testing::sqlite().await;
    run_all(&db.store).await;
    let db = jiceng_store::testing::sqlite().await;
    models_activate_one_at_a_time_and_remember_the_previous(&db.store).await;
}

#[tokio::test]
async fn postgres() {
    let Some(db) = jiceng_store::testing::postgres().await else {
        return;
    };
    run_all(&db.store).await;
    let Some(db) = jiceng_store::testing::postgres().await else {
        return;
    };
    models_activate_one_at_a_time_and_remember_the_previous(&db.store).await;
}
