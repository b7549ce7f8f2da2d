//! Intake benchmark on SQLite: work orders registered through the HTTP API (durable, with their
//! first history row and an idempotency key each) at a fixed concurrency, beside the raw insert
//! rate of the same rows into a fresh database of the same schema, measured in the same run.
//! Prints a Markdown report on stdout; progress goes to stderr.
//!
//! `JICENG_BENCH_ORDERS` (default 5000) and `JICENG_BENCH_CONCURRENCY` (default 16) set the load.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::{NewOrgUnit, OrgKind};
use jiceng_kernel::user::{NewUser, Role};
use jiceng_server::{Application, ServerConfig, orders_for};
use jiceng_store::testing::{self, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};
use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod api;
mod raw;

use api::*;
use raw::*;

const PASSWORD: &str = "bench-pass-2026";
/// The API keeps at least this share of the raw per-order-transaction insert rate.
const TARGET: f64 = 0.30;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// `n` (category, text) pairs: real citizen messages, cycled, or generated text without them.
fn messages(n: usize) -> (String, Vec<(String, String)>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/gov-messages/train.csv");
    let mut real = Vec::new();
    if let Ok(mut r) = csv::Reader::from_path(&path) {
        for rec in r.records().flatten().take(n) {
            let (label, text) = (rec.get(0).unwrap_or(""), rec.get(2).unwrap_or(""));
            if !text.trim().is_empty() {
                real.push((label.to_owned(), text.to_owned()));
            }
        }
    }
    if !real.is_empty() {
        let distinct = real.len();
        let out = real.iter().cycle().take(n).cloned().collect();
        return (
            format!("{distinct} real messages from gov-messages/train.csv, cycled"),
            out,
        );
    }
    let places = ["滨江路", "建设路", "人民广场", "西溪村", "北辰小区"];
    let issues = [
        "路灯不亮已经一周，夜间出行很不安全",
        "井盖缺失，车辆经过有危险",
        "垃圾清运不及时，气味很大",
        "夜间施工噪音扰民，影响休息",
        "小区门口占道经营，堵塞交通",
    ];
    let cats = ["城乡建设", "城乡建设", "环境保护", "环境保护", "交通运输"];
    let out = (0..n)
        .map(|i| {
            let k = i % issues.len();
            let text = format!(
                "{}{}号附近{}，附近居民多次反映，希望有关部门尽快处理并回复。编号{i}。",
                places[i % places.len()],
                i % 97 + 1,
                issues[k]
            );
            (cats[k].to_owned(), text)
        })
        .collect();
    (
        "generated Chinese text (train.csv not found)".to_owned(),
        out,
    )
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn file_of(db: &TestDb) -> String {
    db.url.trim_start_matches("sqlite://").to_owned()
}

/// A plain connection with the pragmas the server's store uses.
async fn connect(db: &TestDb) -> SqliteConnection {
    let opts = SqliteConnectOptions::from_str(&db.url)
        .unwrap()
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true);
    let mut c = SqliteConnection::connect_with(&opts).await.unwrap();
    // The baseline gets no durability the API lacks, and none it has not: WAL, NORMAL (1).
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!((mode.as_str(), sync), ("wal", 1), "pragmas of {}", db.url);
    c
}

struct Seeded {
    county: UnitId,
    town: UnitId,
}

async fn seed(orders: &jiceng_orders::use_cases::Orders) -> Seeded {
    let county = orders
        .accounts
        .system_create_unit(NewOrgUnit::parse(None, OrgKind::County, "广安区", None, None).unwrap())
        .await
        .unwrap();
    let town = orders
        .accounts
        .system_create_unit(
            NewOrgUnit::parse(Some(county.id), OrgKind::Street, "浓洄街道", None, None).unwrap(),
        )
        .await
        .unwrap();
    let operator = NewUser::parse(
        "operator",
        "话务员",
        Some("13912345678"),
        vec![(Role::HotlineOperator, county.id)],
    )
    .unwrap();
    orders
        .accounts
        .system_create_user(operator, PASSWORD)
        .await
        .unwrap();
    Seeded {
        county: county.id,
        town: town.id,
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

#[tokio::main]
async fn main() {
    let n = env_usize("JICENG_BENCH_ORDERS", 5000);
    let conc = env_usize("JICENG_BENCH_CONCURRENCY", 16);
    let (source, texts) = messages(n);

    let db = testing::sqlite().await;
    let orders = orders_for(db.store.clone());
    let seeded = seed(&orders).await;
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        secure_cookies: false,
        body_limit: 64 * 1024,
        ..Default::default()
    };
    let app = Application::build(config, orders).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    let (cookie, csrf) = login(&reqwest::Client::new(), &base).await;

    eprintln!("intake: {n} orders through {base} at concurrency {conc}");
    let api = drive_api(&base, &cookie, &csrf, bodies(n, &texts, &seeded), conc).await;
    let rows = written(&db, n).await;
    eprintln!("intake: raw baseline, one transaction per order");
    let per_tx = raw_insert(&db, &rows, true).await;
    eprintln!("intake: the same transactions, every other one with the audit entry appended");
    let (plain, audited) = raw_insert_audit_pairs(&db, &rows).await;
    eprintln!("intake: raw reference, one transaction for all");
    let one_tx = raw_insert(&db, &rows, false).await;

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let (api_rate, raw_rate) = (rate(api.elapsed), rate(per_tx));
    let ratio = api_rate / raw_rate;
    let lat = &api.latencies;
    let mean = lat.iter().sum::<Duration>() / lat.len() as u32;
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    let rows_per_order = rows.iter().map(Written::row_count).sum::<usize>() as f64 / n as f64;

    println!("# Intake benchmark (SQLite, HTTP API vs raw insert)\n");
    println!(
        "Machine: {} logical CPUs ({}); server and load generator share them in one process.",
        std::thread::available_parallelism().map_or(0, |p| p.get()),
        cpu_model()
    );
    println!(
        "Load: {n} orders, {conc} requests in flight, one session cookie, an Idempotency-Key each; \
         bodies from {source} (mean content {} bytes), each with coordinates in a square of about \
         11 × 10 km and an address; the server checks each new order for duplicates (default \
         settings: 500 m, 30 days) and answers with the candidates.",
        bytes / n.max(1)
    );
    println!(
        "Database: a fresh SQLite file per measurement, WAL, synchronous=NORMAL, one writer connection; \
         each order's rows commit in their own transaction.\n"
    );
    println!("| measure | value |\n|---|---|");
    println!(
        "| API intake: POST /api/v1/work-orders | {api_rate:.0} orders/s ({:.0} ms) |",
        ms(api.elapsed)
    );
    println!(
        "| API latency p50 / p99 (mean / max) | {:.2} ms / {:.2} ms ({:.2} ms / {:.2} ms) |",
        ms(pct(lat, 0.5)),
        ms(pct(lat, 0.99)),
        ms(mean),
        ms(pct(lat, 1.0))
    );
    println!(
        "| raw insert rate, same rows, one transaction per order (baseline) | {raw_rate:.0} orders/s = {:.0} row writes/s ({:.0} ms) |",
        raw_rate * rows_per_order,
        ms(per_tx)
    );
    println!(
        "| raw insert rate, same rows, all orders in one transaction (upper bound, reference only) | {:.0} orders/s = {:.0} row writes/s ({:.0} ms) |",
        rate(one_tx),
        rate(one_tx) * rows_per_order,
        ms(one_tx)
    );
    println!(
        "| API / raw per-order transaction | {:.1} % (target ≥ {:.0} %: {}) |",
        ratio * 100.0,
        TARGET * 100.0,
        if ratio >= TARGET { "met" } else { "NOT met" }
    );
    let audit_cost = audited.saturating_sub(plain) / n.max(1) as u32;
    let api_per_order = api.elapsed / n.max(1) as u32;
    // What the log adds: its cost over the intake's time without it.
    let share = audit_cost.as_secs_f64()
        / (api_per_order.as_secs_f64() - audit_cost.as_secs_f64()).max(f64::MIN_POSITIVE);
    println!(
        "| raw per-order transaction with the audit entry appended (every other order, one connection) | {:.0} orders/s ({:.0} ms): +{:.1} % over the others without it ({:.0} orders/s) |",
        rate(audited),
        ms(audited),
        (audited.as_secs_f64() / plain.as_secs_f64() - 1.0) * 100.0,
        rate(plain)
    );
    println!(
        "| audit log cost per order / API time per order without it | {:.1} µs / {:.1} µs = +{:.1} % (target ≤ 15 %: {}) |",
        audit_cost.as_secs_f64() * 1e6,
        (api_per_order.as_secs_f64() - audit_cost.as_secs_f64()) * 1e6,
        share * 100.0,
        if share <= 0.15 { "met" } else { "NOT met" }
    );
    println!(
        "| API / raw one transaction | {:.1} % |",
        api_rate / rate(one_tx) * 100.0
    );
    println!(
        "\nRows per order ({rows_per_order:.1} on average): the day's counter (upsert), the order with \
         its JSON document, its first history row, its idempotency key, its text sketch and a row \
         for each unit on its region's path. Checked after the run: {n} orders, {n} history rows, \
         {n} keys and {n} sketches in every database."
    );
}
