//! Shared by the storage benchmarks.

use chrono::Utc;
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::{OrgKind, OrgUnit, UnitPath};
use jiceng_orders::work_order::{Assignee, WorkOrder};
use sqlx::types::Json;
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};

/// A unit under `parent` (a root without), as the adapter stores it.
pub fn unit(parent: Option<&OrgUnit>, kind: OrgKind, name: String) -> OrgUnit {
    let id = UnitId(uuid::Uuid::now_v7());
    OrgUnit {
        id,
        parent_id: parent.map(|p| p.id),
        kind,
        name,
        code: None,
        path: parent.map_or_else(|| UnitPath::root(id), |p| p.path.child(id)),
        geometry: None,
        created_at: Utc::now(),
    }
}

#[allow(dead_code)]
pub fn assignee(u: &OrgUnit) -> Assignee {
    Assignee {
        unit_id: u.id,
        unit_name: u.name.clone(),
        unit_path: u.path.clone(),
    }
}

/// Inserts orders with one multi-row statement (the benchmarks' loader, not the adapter's path).
#[allow(dead_code)]
pub async fn load(c: &mut SqliteConnection, orders: &[WorkOrder]) {
    let mut tx = c.begin().await.unwrap();
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO work_orders (id, number, status, channel, category, urgency, title, content, caller_phone, \
         region_unit_id, region_path, lead_unit_id, lead_path, handling_due, pending_extension, created_by, \
         created_at, updated_at, version, doc) ",
    );
    qb.push_values(orders, |mut b, o| {
        b.push_bind(o.id.0)
            .push_bind(o.number.clone())
            .push_bind(o.status.as_str())
            .push_bind(o.channel.as_str())
            .push_bind(o.category.clone())
            .push_bind(o.urgency.as_str())
            .push_bind(o.title.clone())
            .push_bind(o.content.clone())
            .push_bind(o.caller_phone.clone())
            .push_bind(o.region.unit_id.0)
            .push_bind(o.region.unit_path.as_str().to_owned())
            .push_bind(o.lead.as_ref().map(|l| l.unit_id.0))
            .push_bind(o.lead.as_ref().map(|l| l.unit_path.as_str().to_owned()))
            .push_bind(o.handling_due.map(|d| d.timestamp_micros()))
            .push_bind(false)
            .push_bind(o.created_by.0)
            .push_bind(o.created_at.timestamp_micros())
            .push_bind(o.updated_at.timestamp_micros())
            .push_bind(i64::from(o.version))
            .push_bind(Json(o.clone()));
    });
    qb.build().execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}
