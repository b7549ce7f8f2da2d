//! Load benchmark: the release `jiceng serve` on a fresh SQLite file, driven by an open-loop
//! generator at a fixed offered rate with a mixed load (intake with idempotency keys, the
//! steps of each order through to its archive, lists, an inbox, public lookups) for ten
//! minutes; the server's resident memory is sampled from /proc. Prints a Markdown report on
//! stdout; progress goes to stderr.
//!
//! `JICENG_LOAD_SECONDS` (default 600) and `JICENG_LOAD_RATE` (requests/s, default 100) set
//! the load.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

#[path = "../../tests/commands/crash/server.rs"]
mod server;

mod ops;
mod report;

use jiceng_kernel::org::{NewOrgUnit, OrgKind};
use jiceng_kernel::user::{NewUser, Role};
use ops::{Kind, Load};
use rand::Rng;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const PASSWORD: &str = "load-pass-2026";
/// Requests in flight beyond which a tick is not sent but counted: the server is behind.
const MAX_IN_FLIGHT: usize = 512;
/// The mix, in parts of 100.
const MIX: [(Kind, u32); 5] = [
    (Kind::Intake, 25),
    (Kind::Transition, 35),
    (Kind::List, 15),
    (Kind::Inbox, 10),
    (Kind::Lookup, 15),
];

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

async fn seed(store: Arc<jiceng_store::SqlStore>) -> String {
    let accounts = jiceng_server::orders_for(store).accounts;
    let unit = |parent, kind, name| NewOrgUnit::parse(parent, kind, name, None, None).unwrap();
    let county = accounts
        .system_create_unit(unit(None, OrgKind::County, "广安区"))
        .await
        .unwrap();
    let town = accounts
        .system_create_unit(unit(Some(county.id), OrgKind::Street, "浓洄街道"))
        .await
        .unwrap();
    for (name, role, at) in [
        ("operator", Role::HotlineOperator, county.id),
        ("dispatcher", Role::Dispatcher, county.id),
        ("handler", Role::UnitHandler, town.id),
    ] {
        let u = NewUser::parse(name, name, None, vec![(role, at)]).unwrap();
        accounts.system_create_user(u, PASSWORD).await.unwrap();
    }
    town.id.to_string()
}

async fn login(http: &reqwest::Client, base: &str, user: &str) -> (String, String) {
    let resp = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
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

/// (current, peak) resident set of a process in KiB, from /proc.
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::main]
async fn main() {
    let seconds = env_u64("JICENG_LOAD_SECONDS", 600);
    let rate = env_u64("JICENG_LOAD_RATE", 100);
    let db = jiceng_store::testing::sqlite().await;
    let town = seed(db.store.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut server = server::Server::new(&db.url, &dir.path().join("data"));
    server.start();
    let base = server.base.lock().unwrap().clone().unwrap();
    let pid = server.pid().unwrap();
    eprintln!("load: server up in {:.1} s", server.starts[0].as_secs_f64());
    let http = reqwest::Client::new();
    let mut sessions = HashMap::new();
    for user in ["operator", "dispatcher", "handler"] {
        sessions.insert(user, login(&http, &base, user).await);
    }
    let load = Arc::new(Load::new(base.clone(), town, sessions));

    // Memory: sampled every second while the load runs.
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let start = rss_kib(pid).0;
            let mut max = start;
            while !done.load(Ordering::Relaxed) {
                max = max.max(rss_kib(pid).0);
                std::thread::sleep(Duration::from_secs(1));
            }
            let (end, hwm) = rss_kib(pid);
            (start, max.max(end), end, hwm)
        })
    };

    eprintln!("load: {rate} requests/s offered for {seconds} s against {base} (pid {pid})");
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    let (mut sent, mut skipped) = (0u64, 0u64);
    let mut rng = rand::thread_rng();
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    let mut next = started;
    // Open loop: each request leaves at its own instant, whether or not the others have answered.
    while next < end {
        tokio::time::sleep_until(next.into()).await;
        next += period;
        if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
            skipped += 1;
            continue;
        }
        let mut roll = rng.gen_range(0..100);
        let kind = MIX
            .iter()
            .find(|(_, w)| {
                let hit = roll < *w;
                roll = roll.saturating_sub(*w);
                hit
            })
            .map_or(Kind::List, |(k, _)| *k);
        let pick: f64 = rng.r#gen();
        let (load, in_flight) = (load.clone(), in_flight.clone());
        in_flight.fetch_add(1, Ordering::Relaxed);
        tasks.spawn(async move {
            load.run(kind, pick).await;
            in_flight.fetch_sub(1, Ordering::Relaxed);
        });
        sent += 1;
        while tasks.try_join_next().is_some() {}
        if sent % (rate * 60) == 0 {
            eprintln!("load: {} s, {sent} sent", started.elapsed().as_secs());
        }
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let memory = sampler.join().unwrap();
    server.kill();
    let orders = {
        use jiceng_accounts::ports::OrgStore;
        use jiceng_orders::ports::WorkOrderStore;
        let mut n = 0;
        for c in db.store.counties().await.unwrap() {
            n += db.store.count_orders(c.path.county()).await.unwrap();
        }
        n
    };
    let file = db.url.trim_start_matches("sqlite://");
    let db_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{file}{s}")).ok())
        .map(|m| m.len())
        .sum();
    report::print(&report::Run {
        rate,
        seconds,
        elapsed,
        sent,
        skipped,
        mix: &MIX,
        latencies: std::mem::take(&mut *load.latencies.lock().unwrap()),
        errors: std::mem::take(&mut *load.errors.lock().unwrap()),
        memory,
        orders,
        db_bytes,
    });
}
