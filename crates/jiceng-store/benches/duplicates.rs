//! Duplicate candidates at intake on SQLite: the cost of one check against a county holding
//! 20,000 open orders registered over a year (set `JICENG_BENCH_DUPLICATE_ORDERS` for another
//! size), 200 communities, four in five orders with coordinates, texts from the real message
//! board (`../shared/data/gov-messages`). A check runs the indexed queries of
//! `jiceng_orders::duplicates::queries` (box, place, address) and ranks what they return.
//! Beside it, in the same run, the baseline: reading every order of the county registered
//! within the window and ranking those.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use chrono::{DateTime, Duration as Span};
use jiceng_accounts::ports::OrgStore;
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit};
use jiceng_nlp::dedup::MinHash;
use jiceng_orders::duplicates::{
    DuplicateSettings, DuplicateStore, Near, OrderSketch, Point, SketchQuery, TextSketcher,
    queries, rank,
};
use jiceng_orders::work_order::NewWorkOrder;
use jiceng_orders::work_order::register::IntakeForm;
use sqlx::{Connection, SqliteConnection};
use std::path::Path;
use std::time::Instant;

mod common;

use common::{assignee, load, unit};

const BATCH: usize = 400;
const CHECKS: usize = 200;

/// A small deterministic generator (xorshift), so every run loads the same county.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

fn texts() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gov-messages");
    jiceng_nlp::board::read_board(&dir)
        .unwrap()
        .into_iter()
        .map(|m| m.text.chars().take(300).collect())
        .filter(|t: &String| !t.trim().is_empty())
        .collect()
}

fn median_p95(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[v.len() * 95 / 100])
}

/// Community centres on a lattice over about 40 × 40 km.
fn centre(k: usize) -> Point {
    Point {
        lat: 30.3 + 0.025 * (k / 15) as f64,
        lon: 106.45 + 0.028 * (k % 15) as f64,
    }
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("JICENG_BENCH_DUPLICATE_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let texts = texts();
    let now = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
    let settings = DuplicateSettings::default();
    let db = jiceng_store::testing::sqlite().await;
    let county = unit(None, OrgKind::County, "县".into());
    let towns: Vec<OrgUnit> = (0..20)
        .map(|i| unit(Some(&county), OrgKind::Town, format!("第{i}镇")))
        .collect();
    let communities: Vec<OrgUnit> = (0..200)
        .map(|i| {
            unit(
                Some(&towns[i / 10]),
                OrgKind::Community,
                format!("第{i}社区"),
            )
        })
        .collect();
    let mut all = vec![county.clone()];
    all.extend(towns.iter().cloned());
    all.extend(communities.iter().cloned());
    db.store.insert_units(&all).await.unwrap();
    let mut c = SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut c)
        .await
        .unwrap();
    let by = UserId(uuid::Uuid::now_v7());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Orders of the last window: half of the checks below report one of them again.
    let mut recent = Vec::new();
    let t = Instant::now();
    let (mut orders, mut sketches) = (Vec::with_capacity(BATCH), Vec::with_capacity(BATCH));
    for i in 0..n {
        let k = rng.below(communities.len());
        let located = rng.below(5) != 0;
        let at = now - Span::days(365) + Span::seconds((365 * 86_400 * i / n) as i64);
        let p = centre(k);
        let (lat, lon) = (
            p.lat + (rng.unit() - 0.5) * 0.01,
            p.lon + (rng.unit() - 0.5) * 0.01,
        );
        let text = rng.below(texts.len());
        if at >= now - settings.window() {
            recent.push((k, lat, lon, text));
        }
        let form = IntakeForm {
            content: &texts[text],
            latitude: located.then_some(lat),
            longitude: located.then_some(lon),
            ..Default::default()
        };
        let (o, _) = NewWorkOrder::parse(form).unwrap().into_order(
            OrderId::new_at(at),
            format!("JC{i:014}"),
            assignee(&communities[k]),
            by,
            "bench",
            at,
        );
        sketches.push(OrderSketch::of(&o, &MinHash));
        orders.push(o);
        if orders.len() == BATCH || i + 1 == n {
            load(&mut c, &orders).await;
            db.store.put_sketches(&sketches).await.unwrap();
            orders.clear();
            sketches.clear();
        }
    }
    sqlx::query("ANALYZE").execute(&mut c).await.unwrap();
    let load_s = t.elapsed().as_secs_f64();
    let db_mb = std::fs::metadata(db.url.trim_start_matches("sqlite://"))
        .map_or(0.0, |m| m.len() as f64 / 1e6);

    // New demands: half report a recent order again (its community, 100 m from its point,
    // its text), half are new (a community, near its centre, any text); one in five has no
    // coordinates.
    let probes: Vec<OrderSketch> = (0..CHECKS)
        .map(|i| {
            let (k, lat, lon, text) = if i % 2 == 0 {
                let (k, lat, lon, text) = recent[rng.below(recent.len())];
                (k, lat + 0.0009, lon, text)
            } else {
                let k = rng.below(communities.len());
                (k, centre(k).lat, centre(k).lon, rng.below(texts.len()))
            };
            OrderSketch {
                order_id: OrderId(uuid::Uuid::now_v7()),
                region: communities[k].path.clone(),
                created_at: now,
                point: (i % 5 != 0).then_some(Point { lat, lon }),
                address_key: None,
                method: MinHash.method().to_owned(),
                sketch: MinHash.sketch(&texts[text]),
            }
        })
        .collect();
    let (mut indexed, mut indexed_rows, mut found) = (Vec::new(), Vec::new(), 0usize);
    for p in &probes {
        let t = Instant::now();
        let rows = db
            .store
            .open_sketches(&queries(p, &settings, 2000))
            .await
            .unwrap();
        found += rank(p, &rows, &settings, &MinHash).len();
        indexed.push(t.elapsed().as_secs_f64() * 1e3);
        indexed_rows.push(rows.len() as f64);
    }
    let (mut scan, mut scan_rows) = (Vec::new(), Vec::new());
    for p in &probes {
        let t = Instant::now();
        let q = SketchQuery {
            tree: county.path.clone(),
            from: now - settings.window(),
            to: now,
            method: p.method.clone(),
            exclude: p.order_id,
            near: Near::Within(county.path.clone()),
            unlocated_only: false,
            limit: u32::MAX,
        };
        let rows = db
            .store
            .open_sketches(std::slice::from_ref(&q))
            .await
            .unwrap();
        rank(p, &rows, &settings, &MinHash);
        scan.push(t.elapsed().as_secs_f64() * 1e3);
        scan_rows.push(rows.len() as f64);
    }
    let (im, ip) = median_p95(indexed);
    let (sm, sp) = median_p95(scan);
    let (ir, _) = median_p95(indexed_rows);
    let (sr, _) = median_p95(scan_rows);
    println!("# Duplicate candidates at intake (SQLite)\n");
    println!(
        "{n} open orders in one county over 365 days (200 communities, 4 in 5 with coordinates), \
         loaded with their sketches in {load_s:.1} s; database {db_mb:.0} MB. {CHECKS} checks of new \
         demands (half of them reports of a recent order again; 4 in 5 with coordinates), window {} days, radius {} m, threshold {}.\n",
        settings.window_days, settings.radius_m, settings.threshold
    );
    println!("| check | median | p95 | sketches read (median) |\n|---|---|---|---|");
    println!(
        "| indexed queries (box, place, address) + ranking | {im:.2} ms | {ip:.2} ms | {ir:.0} |"
    );
    println!(
        "| baseline: every order of the county in the window + ranking | {sm:.2} ms | {sp:.2} ms | {sr:.0} |"
    );
    println!("\n{found} candidates proposed in {CHECKS} checks.");
    c.close().await.unwrap();
}
