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

use jiceng_core::ids::UnitId;
use jiceng_core::org::{NewOrgUnit, OrgKind};
use jiceng_core::user::{NewUser, Role};
use jiceng_server::{Application, ServerConfig, services_for};
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

async fn seed(services: &jiceng_core::services::Services) -> Seeded {
    let county = services
        .system_create_unit(NewOrgUnit::parse(None, OrgKind::County, "广安区", None, None).unwrap())
        .await
        .unwrap();
    let town = services
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
    services
        .system_create_user(operator, PASSWORD)
        .await
        .unwrap();
    Seeded {
        county: county.id,
        town: town.id,
    }
}

/// Logs in; returns the cookie header value and the CSRF token.
async fn login(client: &reqwest::Client, base: &str) -> (String, String) {
    let resp = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "operator", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("jiceng_session="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let body: Value = resp.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

fn bodies(n: usize, texts: &[(String, String)], seeded: &Seeded) -> Vec<String> {
    let surnames = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄"];
    (0..n)
        .map(|i| {
            let (category, text) = &texts[i];
            let region = if i % 2 == 0 {
                seeded.town
            } else {
                seeded.county
            };
            json!({
                "channel": if i % 3 == 0 { "web" } else { "hotline" },
                "caller_name": format!("{}先生", surnames[i % surnames.len()]),
                "caller_phone": format!("139{:08}", i),
                "content": text,
                "category": category,
                "latitude": 30.45 + (i % 100) as f64 * 1e-4,
                "longitude": 106.63 + (i % 77) as f64 * 1e-4,
                "address": format!("浓洄街道滨江路{}号", i % 300 + 1),
                "region_unit_id": region.to_string(),
            })
            .to_string()
        })
        .collect()
}

struct ApiRun {
    elapsed: Duration,
    latencies: Vec<Duration>,
}

async fn drive_api(
    base: &str,
    cookie: &str,
    csrf: &str,
    bodies: Vec<String>,
    conc: usize,
) -> ApiRun {
    let client = reqwest::Client::new();
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let url = Arc::new(format!("{base}/api/v1/work-orders"));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..conc {
        let (client, bodies, next, url) =
            (client.clone(), bodies.clone(), next.clone(), url.clone());
        let (cookie, csrf) = (cookie.to_owned(), csrf.to_owned());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= bodies.len() {
                    return lat;
                }
                let t = Instant::now();
                let resp = client
                    .post(url.as_str())
                    .header("cookie", &cookie)
                    .header("x-csrf-token", &csrf)
                    .header("idempotency-key", format!("bench-intake-{i}"))
                    .header("content-type", "application/json")
                    .body(bodies[i].clone())
                    .send()
                    .await
                    .unwrap();
                let status = resp.status();
                let body = resp.bytes().await.unwrap();
                lat.push(t.elapsed());
                assert_eq!(
                    status,
                    StatusCode::CREATED,
                    "order {i}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    ApiRun { elapsed, latencies }
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: Vec<u8>,
    number: String,
    status: String,
    channel: String,
    category: Option<String>,
    urgency: String,
    title: String,
    content: String,
    caller_phone: Option<String>,
    region_unit_id: Vec<u8>,
    region_path: String,
    lead_unit_id: Option<Vec<u8>>,
    lead_path: Option<String>,
    handling_due: Option<i64>,
    pending_extension: bool,
    created_by: Vec<u8>,
    created_at: i64,
    updated_at: i64,
    version: i64,
    doc: String,
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    order_id: Vec<u8>,
    seq: i64,
    at: i64,
    actor_id: Vec<u8>,
    actor_name: String,
    action: String,
    from_status: Option<String>,
    to_status: String,
    payload: String,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    user_id: Vec<u8>,
    key: String,
    order_id: Vec<u8>,
    created_at: i64,
}

/// Everything one registration wrote: its order, history and idempotency rows, and its day.
struct Written {
    order: OrderRow,
    history: HistoryRow,
    key: KeyRow,
    day: String,
}

/// Reads back, in commit order, the rows the API wrote, and checks there is one of each per order.
async fn written(db: &TestDb, n: usize) -> Vec<Written> {
    let mut c = connect(db).await;
    let orders: Vec<OrderRow> = sqlx::query_as("SELECT * FROM work_orders ORDER BY rowid")
        .fetch_all(&mut c)
        .await
        .unwrap();
    let history: Vec<HistoryRow> = sqlx::query_as("SELECT * FROM work_order_history")
        .fetch_all(&mut c)
        .await
        .unwrap();
    let keys: Vec<KeyRow> = sqlx::query_as("SELECT * FROM idempotency_keys")
        .fetch_all(&mut c)
        .await
        .unwrap();
    let counters: Vec<(String, i64)> = sqlx::query_as("SELECT day, value FROM order_counters")
        .fetch_all(&mut c)
        .await
        .unwrap();
    assert_eq!(orders.len(), n, "work_orders rows");
    assert_eq!(history.len(), n, "work_order_history rows");
    assert_eq!(keys.len(), n, "idempotency_keys rows");
    let counted: i64 = counters.iter().map(|(_, v)| v).sum();
    assert_eq!(counted, n as i64, "order_counters total");
    let mut history: HashMap<Vec<u8>, HistoryRow> = history
        .into_iter()
        .map(|h| (h.order_id.clone(), h))
        .collect();
    let mut keys: HashMap<Vec<u8>, KeyRow> =
        keys.into_iter().map(|k| (k.order_id.clone(), k)).collect();
    orders
        .into_iter()
        .map(|o| {
            let day = counters
                .iter()
                .map(|(d, _)| d)
                .find(|d| o.number.contains(d.as_str()))
                .unwrap()
                .clone();
            Written {
                history: history.remove(&o.id).unwrap(),
                key: keys.remove(&o.id).unwrap(),
                order: o,
                day,
            }
        })
        .collect()
}

/// A fresh migrated database holding the API database's units, users and roles.
async fn fresh_like(api_db: &TestDb) -> (TestDb, SqliteConnection) {
    let db = testing::sqlite().await;
    let mut c = connect(&db).await;
    sqlx::query("ATTACH DATABASE $1 AS src")
        .bind(file_of(api_db))
        .execute(&mut c)
        .await
        .unwrap();
    for t in ["org_units", "users", "user_roles"] {
        let sql = format!("INSERT INTO main.{t} SELECT * FROM src.{t}");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .unwrap();
    }
    sqlx::query("DETACH DATABASE src")
        .execute(&mut c)
        .await
        .unwrap();
    (db, c)
}

async fn insert_one(c: &mut SqliteConnection, w: &Written) {
    sqlx::query(
        "INSERT INTO order_counters (day, value) VALUES ($1, 1) \
         ON CONFLICT (day) DO UPDATE SET value = order_counters.value + 1",
    )
    .bind(&w.day)
    .execute(&mut *c)
    .await
    .unwrap();
    let o = &w.order;
    sqlx::query(
        "INSERT INTO work_orders (id, number, status, channel, category, urgency, title, content, \
         caller_phone, region_unit_id, region_path, lead_unit_id, lead_path, handling_due, \
         pending_extension, created_by, created_at, updated_at, version, doc) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
    )
    .bind(&o.id)
    .bind(&o.number)
    .bind(&o.status)
    .bind(&o.channel)
    .bind(&o.category)
    .bind(&o.urgency)
    .bind(&o.title)
    .bind(&o.content)
    .bind(&o.caller_phone)
    .bind(&o.region_unit_id)
    .bind(&o.region_path)
    .bind(&o.lead_unit_id)
    .bind(&o.lead_path)
    .bind(o.handling_due)
    .bind(o.pending_extension)
    .bind(&o.created_by)
    .bind(o.created_at)
    .bind(o.updated_at)
    .bind(o.version)
    .bind(&o.doc)
    .execute(&mut *c)
    .await
    .unwrap();
    let h = &w.history;
    sqlx::query(
        "INSERT INTO work_order_history \
         (order_id, seq, at, actor_id, actor_name, action, from_status, to_status, payload) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&h.order_id)
    .bind(h.seq)
    .bind(h.at)
    .bind(&h.actor_id)
    .bind(&h.actor_name)
    .bind(&h.action)
    .bind(&h.from_status)
    .bind(&h.to_status)
    .bind(&h.payload)
    .execute(&mut *c)
    .await
    .unwrap();
    let k = &w.key;
    sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, order_id, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&k.user_id)
    .bind(&k.key)
    .bind(&k.order_id)
    .bind(k.created_at)
    .execute(&mut *c)
    .await
    .unwrap();
}

async fn count(c: &mut SqliteConnection, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(c)
        .await
        .unwrap()
}

/// Inserts every order's rows through one connection: one transaction per order, or one for all.
async fn raw_insert(api_db: &TestDb, rows: &[Written], per_order: bool) -> Duration {
    let (_db, mut c) = fresh_like(api_db).await;
    let started = Instant::now();
    if per_order {
        for w in rows {
            let mut tx = c.begin().await.unwrap();
            insert_one(&mut tx, w).await;
            tx.commit().await.unwrap();
        }
    } else {
        let mut tx = c.begin().await.unwrap();
        for w in rows {
            insert_one(&mut tx, w).await;
        }
        tx.commit().await.unwrap();
    }
    let elapsed = started.elapsed();
    for t in ["work_orders", "work_order_history", "idempotency_keys"] {
        assert_eq!(count(&mut c, t).await, rows.len() as i64, "raw {t}");
    }
    c.close().await.unwrap();
    elapsed
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
    let services = services_for(db.store.clone());
    let seeded = seed(&services).await;
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        secure_cookies: false,
        body_limit: 64 * 1024,
    };
    let app = Application::build(config, services).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    let (cookie, csrf) = login(&reqwest::Client::new(), &base).await;

    eprintln!("intake: {n} orders through {base} at concurrency {conc}");
    let api = drive_api(&base, &cookie, &csrf, bodies(n, &texts, &seeded), conc).await;
    let rows = written(&db, n).await;
    eprintln!("intake: raw baseline, one transaction per order");
    let per_tx = raw_insert(&db, &rows, true).await;
    eprintln!("intake: raw reference, one transaction for all");
    let one_tx = raw_insert(&db, &rows, false).await;

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let (api_rate, raw_rate) = (rate(api.elapsed), rate(per_tx));
    let ratio = api_rate / raw_rate;
    let lat = &api.latencies;
    let mean = lat.iter().sum::<Duration>() / lat.len() as u32;
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();

    println!("# Intake benchmark (SQLite, HTTP API vs raw insert)\n");
    println!(
        "Machine: {} logical CPUs ({}); server and load generator share them in one process.",
        std::thread::available_parallelism().map_or(0, |p| p.get()),
        cpu_model()
    );
    println!(
        "Load: {n} orders, {conc} requests in flight, one session cookie, an Idempotency-Key each; \
         bodies from {source} (mean content {} bytes).",
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
        raw_rate * 4.0,
        ms(per_tx)
    );
    println!(
        "| raw insert rate, same rows, all orders in one transaction (upper bound, reference only) | {:.0} orders/s = {:.0} row writes/s ({:.0} ms) |",
        rate(one_tx),
        rate(one_tx) * 4.0,
        ms(one_tx)
    );
    println!(
        "| API / raw per-order transaction | {:.1} % (target ≥ {:.0} %: {}) |",
        ratio * 100.0,
        TARGET * 100.0,
        if ratio >= TARGET { "met" } else { "NOT met" }
    );
    println!(
        "| API / raw one transaction | {:.1} % |",
        api_rate / rate(one_tx) * 100.0
    );
    println!(
        "\nRows per order: the day's counter (upsert), the order with its JSON document, its first \
         history row, its idempotency key. Checked after the run: {n} orders, {n} history rows and \
         {n} keys in every database."
    );
}
