//! Migration 0018 over a database that holds data: rows stored before the county key get the
//! county of their region or unit, and the store reads every one of them back by county.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use jiceng_accounts::ports::OrgStore;
use jiceng_kernel::ids::{AttachmentId, OrderId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit};
use jiceng_kernel::subject::SubjectKind;
use jiceng_orders::duplicates::DuplicateStore;
use jiceng_orders::effects::Effects;
use jiceng_orders::learning::ClassifierStore;
use jiceng_orders::ports::{
    AreaStore, AttachmentStore, CommitStore, DutyStore, PersonalDataStore, WorkOrderStore,
};
use jiceng_orders::sla::{EscalationQuery, SlaStore};
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Assignee, HistoryEntry, NewWorkOrder, WorkOrder};
use jiceng_store::testing::{self, t0, unit};
use sqlx::types::Json;

/// The version before the county key.
const BEFORE: i64 = 17;

struct Old {
    county: OrgUnit,
    town: OrgUnit,
    other: OrgUnit,
    user: UserId,
    order: WorkOrder,
    entry: HistoryEntry,
    attachment: AttachmentId,
    duty_list: uuid::Uuid,
}

fn old() -> Old {
    let county = unit(None, OrgKind::County, "广安区", Some("511602000000"));
    let town = unit(Some(&county), OrgKind::Town, "官盛镇", None);
    let other = unit(None, OrgKind::County, "前锋区", Some("511603000000"));
    let user = UserId(uuid::Uuid::now_v7());
    let region = Assignee {
        unit_id: town.id,
        unit_name: town.name.clone(),
        unit_path: town.path.clone(),
    };
    let (order, entry) = NewWorkOrder::parse(IntakeForm {
        content: "官盛镇滨江路路灯不亮已经一周",
        caller_phone: Some("13912345678"),
        ..Default::default()
    })
    .unwrap()
    .into_order(
        OrderId::new_at(t0()),
        "JC20261124000001".into(),
        region,
        user,
        "op",
        t0(),
    );
    Old {
        county,
        town,
        other,
        user,
        order,
        entry,
        attachment: AttachmentId(uuid::Uuid::now_v7()),
        duty_list: uuid::Uuid::now_v7(),
    }
}

/// Writes `$old` with the schema of version 17 through the pool `$p` (the same statements on
/// both backends).
macro_rules! store_old_rows {
    ($p:expr, $old:expr) => {{
        let p = $p;
        let d: &Old = $old;
        let at = t0().timestamp_micros();
        for u in [&d.county, &d.town, &d.other] {
            sqlx::query(
                "INSERT INTO org_units (id, parent_id, kind, name, code, path, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(u.id.0)
            .bind(u.parent_id.map(|p| p.0))
            .bind(u.kind.as_str())
            .bind(&u.name)
            .bind(&u.code)
            .bind(u.path.as_str())
            .bind(at)
            .execute(p)
            .await
            .unwrap();
        }
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, created_at) \
             VALUES ($1, 'op', '接线员', 'x', $2)",
        )
        .bind(d.user.0)
        .bind(at)
        .execute(p)
        .await
        .unwrap();
        let o = &d.order;
        let id = o.id.0;
        sqlx::query(
            "INSERT INTO work_orders (id, number, status, channel, urgency, title, content, \
             caller_phone, region_unit_id, region_path, created_by, created_at, updated_at, \
             version, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 1, $13)",
        )
        .bind(id)
        .bind(&o.number)
        .bind(o.status.as_str())
        .bind(o.channel.as_str())
        .bind(o.urgency.as_str())
        .bind(&o.title)
        .bind(&o.content)
        .bind(&o.caller_phone)
        .bind(d.town.id.0)
        .bind(d.town.path.as_str())
        .bind(d.user.0)
        .bind(at)
        .bind(Json(o))
        .execute(p)
        .await
        .unwrap();
        let e = &d.entry;
        sqlx::query(
            "INSERT INTO work_order_history (order_id, seq, at, actor_id, actor_name, action, \
             from_status, to_status, payload) VALUES ($1, 1, $2, $3, 'op', $4, NULL, $5, $6)",
        )
        .bind(id)
        .bind(at)
        .bind(d.user.0)
        .bind(&e.action)
        .bind(e.to_status.as_str())
        .bind(Json(&e.payload))
        .execute(p)
        .await
        .unwrap();
        for sql in [
            "INSERT INTO work_order_co_units (order_id, unit_id, unit_path, accepted, replied) \
             VALUES ($1, $2, $3, FALSE, FALSE)",
            "INSERT INTO order_sketches (order_id, tree, region_path, created_at, method, sketch) \
             VALUES ($1, $4, $3, 0, 'm1', $5)",
            "INSERT INTO order_sketch_places (place_path, created_at, order_id, located) \
             VALUES ($3, 0, $1, FALSE)",
            "INSERT INTO unit_aliases (unit_id, alias) VALUES ($2, '官盛')",
            "INSERT INTO unit_areas (unit_id, geometry, min_lon, min_lat, max_lon, max_lat, source, \
             updated_at) VALUES ($2, '{\"type\":\"Polygon\",\"coordinates\":[]}', 1, 2, 3, 4, 's', 0)",
            "INSERT INTO order_counters (day, value) VALUES ('JC20261124', 1)",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(d.town.id.0)
                .bind(d.town.path.as_str())
                .bind(d.county.path.as_str())
                .bind(vec![1u8; 8])
                .execute(p)
                .await
                .unwrap();
        }
        for sql in [
            "INSERT INTO idempotency_keys (user_id, key, order_id, created_at) VALUES ($2, 'k1', $1, 0)",
            "INSERT INTO outbox (id, order_id, kind, phone, text, created_at) \
             VALUES ($3, $1, 'merged', '13912345678', '您的诉求已受理', 0)",
            "INSERT INTO category_corrections (order_id, predicted, corrected, corrected_by, corrected_at) \
             VALUES ($1, '交通运输', '城乡建设', $2, 0)",
            "INSERT INTO order_redactions (tree, order_id, version, erased_at, actor_id, fields) \
             VALUES ($4, $1, 1, 0, $2, '[\"caller_phone\"]')",
            "INSERT INTO attachments (id, order_id, filename, content_type, size, sha256, data, \
             uploaded_by, created_at) VALUES ($5, $1, 'a.jpg', 'image/jpeg', 3, 'h', $6, $2, 0)",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(d.user.0)
                .bind(uuid::Uuid::now_v7())
                .bind(d.county.path.as_str())
                .bind(d.attachment.0)
                .bind(vec![1u8, 2, 3])
                .execute(p)
                .await
                .unwrap();
        }
        sqlx::query(
            "INSERT INTO sla_clocks (subject_kind, subject_id, clock, generation, unit_id, unit_name, \
             unit_path, time_limit, started_at, deadline, next_step, next_due) \
             VALUES ('work_order', $1, 'handling', 1, $2, $3, $4, '3个工作日', $5, $6, 'yellow', $5)",
        )
        .bind(id)
        .bind(d.town.id.0)
        .bind(&d.town.name)
        .bind(d.town.path.as_str())
        .bind(at)
        .bind(at + 1_000_000)
        .execute(p)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO sla_escalations (id, number, subject_kind, subject_id, subject_number, clock, \
             generation, step, addressee_id, addressee_name, addressee_path, unit_id, unit_name, \
             unit_path, text, issued_at, deadline) VALUES ($1, 'CB20261124000001', 'work_order', $2, \
             $3, 'handling', 1, 'reminder', $4, $5, $6, $4, $5, $6, '催办', $7, $7)",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(id)
        .bind(&o.number)
        .bind(d.town.id.0)
        .bind(&d.town.name)
        .bind(d.town.path.as_str())
        .bind(at)
        .execute(p)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO duty_lists (id, unit_id, version, status, created_at) \
             VALUES ($1, $2, 1, 'draft', 0)",
        )
        .bind(d.duty_list)
        .bind(d.town.id.0)
        .execute(p)
        .await
        .unwrap();
    }};
}

/// After the migration: everything is found in its county and nowhere else, and the county
/// numbers its next orders afresh.
async fn read_back(s: &jiceng_store::SqlStore, d: &Old) {
    let (county, other) = (d.county.path.county(), d.other.path.county());
    let id = d.order.id;
    assert_eq!(
        s.get_order(county, id).await.unwrap().as_ref(),
        Some(&d.order)
    );
    assert!(s.get_order(other, id).await.unwrap().is_none());
    let found = s
        .find_order_by_number(county, "JC20261124000001")
        .await
        .unwrap();
    assert_eq!(found.map(|o| o.id), Some(id));
    assert_eq!(
        s.order_history(county, id).await.unwrap(),
        std::slice::from_ref(&d.entry)
    );
    assert_eq!(s.count_orders(county).await.unwrap(), 1);
    assert_eq!(s.count_orders(other).await.unwrap(), 0);
    assert_eq!(s.pending_notices(county, 10).await.unwrap().len(), 1);
    assert!(s.get_correction(county, id).await.unwrap().is_some());
    assert_eq!(s.order_redactions(county, id).await.unwrap().len(), 1);
    assert!(s.get_sketch(county, id).await.unwrap().is_some());
    assert!(
        s.get_attachment(county, id, d.attachment)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(s.list_areas(county).await.unwrap().len(), 1);
    assert!(s.list_areas(other).await.unwrap().is_empty());
    assert_eq!(s.list_unit_aliases(county).await.unwrap().len(), 1);
    assert_eq!(s.list_duty_lists(d.town.id).await.unwrap().len(), 1);
    let list = jiceng_kernel::ids::DutyListId(d.duty_list);
    assert!(s.get_duty_list(county, list).await.unwrap().is_some());
    let far = t0() + Duration::days(365);
    let kinds = [SubjectKind::WORK_ORDER];
    let due = s.due_clocks(county, far, 10, &kinds).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].county, county);
    assert!(
        s.due_clocks(other, far, 10, &kinds)
            .await
            .unwrap()
            .is_empty()
    );
    let board = s
        .list_escalations(&EscalationQuery {
            scope: vec![d.county.path.clone()],
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(board.len(), 1);
    assert_eq!(s.counties().await.unwrap().len(), 2);

    // A new order of the county: its own counter, under the new prefix.
    let (mut o, e) = d.order.clone().with_new_id();
    o.number = String::new();
    let mut fx = Effects::new(t0());
    fx.new_order(o.clone(), vec![e], "JC51160220261124");
    let c = s.commit(&fx).await.unwrap();
    let number = c
        .number_of(&jiceng_kernel::subject::Subject::work_order(o.id))
        .unwrap()
        .to_owned();
    assert_eq!(number, "JC51160220261124000001");
}

trait WithNewId {
    fn with_new_id(self) -> (WorkOrder, HistoryEntry);
}

impl WithNewId for WorkOrder {
    fn with_new_id(mut self) -> (WorkOrder, HistoryEntry) {
        self.id = OrderId(uuid::Uuid::now_v7());
        let e = HistoryEntry {
            seq: 1,
            at: self.created_at,
            actor: self.created_by,
            actor_name: "op".into(),
            action: "register".into(),
            from_status: None,
            to_status: self.status,
            payload: serde_json::json!({}),
        };
        (self, e)
    }
}

#[tokio::test]
async fn sqlite_rows_get_their_county() {
    let db = testing::sqlite_unmigrated().await;
    db.store.migrate_to(BEFORE).await.unwrap();
    let d = old();
    let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    store_old_rows!(&pool, &d);
    pool.close().await;
    db.store.migrate().await.unwrap();
    read_back(&db.store, &d).await;
}

#[tokio::test]
async fn postgres_rows_get_their_county() {
    let Some(db) = testing::postgres_unmigrated().await else {
        return;
    };
    db.store.migrate_to(BEFORE).await.unwrap();
    let d = old();
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    store_old_rows!(&pool, &d);
    pool.close().await;
    db.store.migrate().await.unwrap();
    read_back(&db.store, &d).await;
}
