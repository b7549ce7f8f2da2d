//! Work-order lists at scale on SQLite: 1,000,000 orders (set `JICENG_BENCH_LIST_ORDERS`),
//! then first pages, a deep keyset page, inboxes and narrow jurisdictions through the
//! adapter's `list_orders`, beside a bare primary-key read of one page (the baseline).
//! Orders are loaded with multi-row inserts; the load itself is not what is measured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use chrono::{DateTime, Duration as Span, Utc};
use jiceng_accounts::ports::OrgStore;
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit};
use jiceng_orders::ports::{OrderQuery, WorkOrderStore};
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{NewWorkOrder, OrderCursor, OrderSort, Status, WorkOrder};
use sqlx::{Connection, SqliteConnection};
use std::time::{Duration, Instant};

mod common;

use common::{assignee, load, unit};

const TOWNS: usize = 20;
const DEPTS: usize = 30;
const BATCH: usize = 400;

/// A deterministic mix: most orders archived, a realistic share open, spread over a year.
fn order(
    i: usize,
    at: DateTime<Utc>,
    towns: &[OrgUnit],
    depts: &[OrgUnit],
    by: UserId,
) -> WorkOrder {
    let texts = [
        "小区井盖缺失，夜间行人容易摔倒",
        "夜间施工噪音扰民",
        "路灯不亮已一周",
        "占道经营影响通行",
        "垃圾清运不及时",
    ];
    let form = IntakeForm {
        content: texts[i % texts.len()],
        caller_phone: Some("13800001111"),
        ..Default::default()
    };
    let id = OrderId::new_at(at);
    let (mut o, _) = NewWorkOrder::parse(form).unwrap().into_order(
        id,
        format!("JC{:014}", i),
        assignee(&towns[i % towns.len()]),
        by,
        "bench",
        at,
    );
    o.status = match i % 20 {
        0 => Status::Registered,
        1 => Status::Dispatched,
        2 | 3 => Status::Handling,
        4 | 5 => Status::Replied,
        _ => Status::Archived,
    };
    if o.status != Status::Registered {
        // A multiplicative hash spreads departments evenly over every status.
        o.lead = Some(assignee(
            &depts[(i.wrapping_mul(2_654_435_761) >> 8) % depts.len()],
        ));
        o.handling_due = Some(at + Span::days(15));
    }
    o
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("JICENG_BENCH_LIST_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let db = jiceng_store::testing::sqlite().await;
    let county = unit(None, OrgKind::County, "县".into());
    let towns: Vec<OrgUnit> = (0..TOWNS)
        .map(|i| unit(Some(&county), OrgKind::Town, format!("第{i}镇")))
        .collect();
    let depts: Vec<OrgUnit> = (0..DEPTS)
        .map(|i| unit(Some(&county), OrgKind::Department, format!("第{i}局")))
        .collect();
    let mut all = vec![county.clone()];
    all.extend(towns.iter().cloned());
    all.extend(depts.iter().cloned());
    db.store.insert_units(&all).await.unwrap();
    let mut c = SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut c)
        .await
        .unwrap();

    let by = UserId(uuid::Uuid::now_v7());
    let start_at = Utc::now() - Span::days(365);
    let step = Span::microseconds((365 * 86_400_000_000i64) / n.max(1) as i64);
    let t = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..n {
        batch.push(order(i, start_at + step * i as i32, &towns, &depts, by));
        if batch.len() == BATCH || i + 1 == n {
            load(&mut c, &batch).await;
            batch.clear();
        }
    }
    sqlx::query("ANALYZE").execute(&mut c).await.unwrap();
    let loaded = t.elapsed();
    let size = std::fs::metadata(db.url.trim_start_matches("sqlite://"))
        .map(|m| m.len())
        .unwrap_or(0);

    let s = &db.store;
    let base = |q: OrderQuery| OrderQuery { limit: 50, ..q };
    let runs = 40;
    let mut rows: Vec<(String, f64, f64, usize)> = Vec::new();
    let mut measure = |name: &str, lat: Vec<Duration>, got: usize| {
        rows.push((name.to_owned(), pct(lat.clone(), 0.5), pct(lat, 0.99), got))
    };

    // Baseline: one page straight off the primary key, no filter, no JSON decoding.
    let mut lat = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let v: Vec<(uuid::Uuid,)> =
            sqlx::query_as("SELECT id FROM work_orders ORDER BY id DESC LIMIT 50")
                .fetch_all(&mut c)
                .await
                .unwrap();
        lat.push(t.elapsed());
        assert_eq!(v.len(), 50);
    }
    measure("baseline: bare primary-key page (ids only)", lat, 50);

    let cases: Vec<(&str, OrderQuery)> = vec![
        (
            "county dispatcher, first page",
            base(OrderQuery {
                scope: vec![county.path.clone()],
                ..Default::default()
            }),
        ),
        (
            "dispatch queue (registered), county",
            base(OrderQuery {
                scope: vec![county.path.clone()],
                statuses: vec![Status::Registered],
                ..Default::default()
            }),
        ),
        (
            "one town's jurisdiction, first page",
            base(OrderQuery {
                scope: vec![towns[3].path.clone()],
                ..Default::default()
            }),
        ),
        (
            "one department's to-handle inbox",
            base(OrderQuery {
                scope: vec![depts[5].path.clone()],
                lead_scope: Some(vec![depts[5].path.clone()]),
                statuses: vec![Status::Handling, Status::Suspended],
                ..Default::default()
            }),
        ),
        (
            "overdue, county",
            base(OrderQuery {
                scope: vec![county.path.clone()],
                overdue_at: Some(Utc::now()),
                ..Default::default()
            }),
        ),
    ];
    for (name, q) in cases {
        let mut lat = Vec::new();
        let mut got = 0;
        for _ in 0..runs {
            let t = Instant::now();
            got = s.list_orders(&q).await.unwrap().len();
            lat.push(t.elapsed());
        }
        measure(name, lat, got);
    }
    // Walk 200 pages deep by keyset and time the 200th.
    let mut q = base(OrderQuery {
        scope: vec![county.path.clone()],
        ..Default::default()
    });
    for _ in 0..199 {
        let page = s.list_orders(&q).await.unwrap();
        q.cursor = page
            .last()
            .map(|o| OrderCursor::after(o, OrderSort::Newest));
    }
    let mut lat = Vec::new();
    let mut got = 0;
    for _ in 0..runs {
        let t = Instant::now();
        got = s.list_orders(&q).await.unwrap().len();
        lat.push(t.elapsed());
    }
    measure("county, page 200 (keyset)", lat, got);
    let mut lat = Vec::new();
    let q = base(OrderQuery {
        scope: vec![county.path.clone()],
        text: Some("路灯".into()),
        ..Default::default()
    });
    for _ in 0..5 {
        let t = Instant::now();
        got = s.list_orders(&q).await.unwrap().len();
        lat.push(t.elapsed());
    }
    measure("text search (LIKE), first page", lat, got);

    println!("# Work-order lists at scale (SQLite)\n");
    println!(
        "{n} orders ({:.0} MB database, loaded in {:.0} s), {TOWNS} towns, {DEPTS} departments; 50 per page.\n",
        size as f64 / 1e6,
        loaded.as_secs_f64()
    );
    println!("| query | p50 ms | p99 ms | rows |\n|---|---|---|---|");
    for (name, p50, p99, got) in rows {
        println!("| {name} | {p50:.2} | {p99:.2} | {got} |");
    }
}
