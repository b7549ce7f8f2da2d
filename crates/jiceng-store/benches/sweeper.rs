//! The sweeper's cost per tick on SQLite with 10,000 and with 1,000,000 open orders (set
//! `JICENG_BENCH_SWEEPER_ORDERS` for the large size), each with the same 1,000 due steps: a
//! tick reads due clocks through the index on the next due instant and fires them, so its
//! cost should follow the due steps, not the open orders. Beside it, in the same run, the
//! baseline: the bare index probe for a batch of due rows, and a tick with nothing due.
//! Reports the resident memory (VmRSS) of this process holding the store as it sweeps. The
//! database goes to the temporary directory (`TMPDIR`); 1,000,000 orders take about 3 GB.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use async_trait::async_trait;
use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use jiceng_accounts::ports::OrgStore;
use jiceng_kernel::calendar::TimeLimit;
use jiceng_kernel::clock::FixedClock;
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit};
use jiceng_kernel::ports::Secrets;
use jiceng_orders::sla::{ClockKind, SlaClock, SlaPolicies};
use jiceng_orders::use_cases::Orders;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{NewWorkOrder, Status, WorkOrder};
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};
use std::sync::Arc;
use std::time::Instant;

mod common;

use common::{assignee, load, unit};

const DUE: usize = 1_000;
const TICK: u32 = 100;
const BATCH: usize = 400;

/// The sweeper needs no secrets; the use cases want some.
struct NoSecrets;

#[async_trait]
impl Secrets for NoSecrets {
    async fn hash_password(&self, _: &str) -> jiceng_kernel::Result<String> {
        Ok(String::new())
    }
    async fn verify_password(&self, _: &str, _: &str) -> bool {
        false
    }
    fn random_token(&self) -> String {
        String::new()
    }
    fn fingerprint(&self, t: &str) -> String {
        t.to_owned()
    }
}

fn rss_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn load_clocks(c: &mut SqliteConnection, orders: &[WorkOrder]) {
    let mut tx = c.begin().await.unwrap();
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO sla_clocks (subject_kind, subject_id, clock, generation, unit_id, unit_name, unit_path, \
         time_limit, started_at, deadline, next_step, next_due) ",
    );
    qb.push_values(orders, |mut b, o| {
        let k = o.clocks.handling.as_ref().unwrap();
        b.push_bind("work_order")
            .push_bind(o.id.0)
            .push_bind("handling")
            .push_bind(1i64)
            .push_bind(k.unit.unit_id.0)
            .push_bind(k.unit.unit_name.clone())
            .push_bind(k.unit.unit_path.as_str().to_owned())
            .push_bind(k.limit.to_string())
            .push_bind(k.started_at.timestamp_micros())
            .push_bind(k.deadline.timestamp_micros())
            .push_bind("yellow")
            .push_bind(k.next_due.map(|d| d.timestamp_micros()));
    });
    qb.build().execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

struct Run {
    orders: usize,
    load_s: f64,
    probe_ms: f64,
    idle_ms: f64,
    tick_ms: Vec<f64>,
    rss: f64,
    db_mb: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn run(n: usize, now: DateTime<Utc>) -> Run {
    let db = jiceng_store::testing::sqlite().await;
    let county = unit(None, OrgKind::County, "县".into());
    let units: Vec<OrgUnit> = (0..50)
        .map(|i| unit(Some(&county), OrgKind::Department, format!("第{i}局")))
        .collect();
    let mut all = vec![county.clone()];
    all.extend(units.iter().cloned());
    db.store.insert_units(&all).await.unwrap();
    let mut c = SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut c)
        .await
        .unwrap();
    let policies = SlaPolicies::china();
    let policy = &policies.default;
    // One clock computed on the calendar, shifted per order: the sweep needs due instants,
    // not exact working-day arithmetic for a million clocks.
    let template = SlaClock::start(
        ClockKind::Handling,
        1,
        assignee(&units[0]),
        TimeLimit::WorkingDays(15),
        "bench".into(),
        now,
        policy,
    )
    .unwrap();
    let to_yellow = template.yellow_at - template.started_at;
    let by = UserId(uuid::Uuid::now_v7());
    let t = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..n {
        // The first DUE orders passed their yellow mark in the last hour; the others reach it
        // over the next 30 days, in insertion order so that the load appends to the indexes.
        let offset = if i < DUE {
            -to_yellow - Span::seconds(3600 * (DUE - i) as i64 / DUE as i64)
        } else {
            Span::seconds(30 * 86_400 * i as i64 / n as i64)
        };
        let start = now + offset;
        let form = IntakeForm {
            content: "路灯不亮已一周",
            caller_phone: Some("13800001111"),
            ..Default::default()
        };
        let (mut o, _) = NewWorkOrder::parse(form).unwrap().into_order(
            // Ids in insertion order, as intake makes them; the clocks are what is spread.
            OrderId::new_at(now - Span::days(60) + Span::milliseconds(i as i64)),
            format!("JC{i:014}"),
            assignee(&county),
            by,
            "bench",
            start,
        );
        let lead = &units[i % units.len()];
        o.status = Status::Handling;
        o.lead = Some(assignee(lead));
        let mut k = template.clone();
        k.unit = assignee(lead);
        k.started_at += offset;
        k.deadline += offset;
        k.yellow_at += offset;
        k.next_due = Some(k.yellow_at);
        o.handling_due = Some(k.deadline);
        o.clocks.handling = Some(k);
        batch.push(o);
        if batch.len() == BATCH || i + 1 == n {
            load(&mut c, &batch).await;
            load_clocks(&mut c, &batch).await;
            batch.clear();
        }
    }
    sqlx::query("ANALYZE").execute(&mut c).await.unwrap();
    let load_s = t.elapsed().as_secs_f64();
    let db_mb = std::fs::metadata(db.url.trim_start_matches("sqlite://"))
        .map_or(0.0, |m| m.len() as f64 / 1e6);
    c.close().await.unwrap();
    let mut c = SqliteConnection::connect(&db.url).await.unwrap();

    let orders = Orders::new(
        db.store.clone(),
        Arc::new(FixedClock::at(now)),
        Arc::new(NoSecrets),
    );
    // Baseline 1: the bare index probe for one tick's batch.
    let mut probe = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let v: Vec<(uuid::Uuid,)> = sqlx::query_as(
            "SELECT subject_id FROM sla_clocks WHERE next_due <= $1 AND subject_kind IN ($3) \
             ORDER BY next_due LIMIT $2",
        )
        .bind(now.timestamp_micros())
        .bind(i64::from(TICK))
        .bind("work_order")
        .fetch_all(&mut c)
        .await
        .unwrap();
        probe.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(v.len(), TICK as usize);
    }
    // The ticks: each fires TICK due steps (a history entry and the clock row per order).
    let mut tick_ms = Vec::new();
    let mut fired = 0;
    loop {
        let t = Instant::now();
        let o = orders.sweep_due(TICK).await.unwrap();
        if o.due == 0 {
            break;
        }
        tick_ms.push(t.elapsed().as_secs_f64() * 1e3);
        fired += o.fired;
    }
    assert_eq!(fired, DUE, "every due step fired once");
    // Baseline 2: a tick with nothing due.
    let mut idle = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        assert_eq!(orders.sweep_due(TICK).await.unwrap().due, 0);
        idle.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let rss = rss_mb("VmRSS:");
    db.store.close().await;
    Run {
        orders: n,
        load_s,
        probe_ms: median(probe),
        idle_ms: median(idle),
        tick_ms,
        rss,
        db_mb,
    }
}

#[tokio::main]
async fn main() {
    let large: usize = std::env::var("JICENG_BENCH_SWEEPER_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    // A Wednesday morning in Beijing.
    let now = Utc.with_ymd_and_hms(2026, 3, 4, 2, 0, 0).unwrap();
    // A small unreported run first, so that neither size pays the process's warm-up.
    run(2 * DUE, now).await;
    let mut runs = Vec::new();
    for n in [10_000, large] {
        runs.push(run(n, now).await);
    }
    println!("# Sweeper: cost per tick against open orders (SQLite)\n");
    println!(
        "Each size holds {DUE} due steps among its open orders (every order has a running handling \
         clock); a tick takes {TICK} due clocks through the index on `next_due` and fires each \
         (order version check, history entry, clock row). Baselines in the same run: the bare \
         index probe for {TICK} due rows, and a tick with nothing due.\n"
    );
    println!(
        "| open orders | ticks | tick p50 ms | tick max ms | per due step ms | probe p50 ms | idle tick ms | VmRSS MB | database MB | load s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in &runs {
        let p50 = median(r.tick_ms.clone());
        let max = r.tick_ms.iter().copied().fold(0.0, f64::max);
        println!(
            "| {} | {} | {p50:.1} | {max:.1} | {:.3} | {:.3} | {:.3} | {:.0} | {:.0} | {:.0} |",
            r.orders,
            r.tick_ms.len(),
            p50 / f64::from(TICK),
            r.probe_ms,
            r.idle_ms,
            r.rss,
            r.db_mb,
            r.load_s
        );
    }
    let (a, b) = (
        median(runs[0].tick_ms.clone()),
        median(runs[1].tick_ms.clone()),
    );
    println!(
        "\nTick cost at {} open orders is {:.2}× that at {}; peak resident memory (VmHWM, including the load) {:.0} MB.",
        runs[1].orders,
        b / a,
        runs[0].orders,
        rss_mb("VmHWM:")
    );
}
