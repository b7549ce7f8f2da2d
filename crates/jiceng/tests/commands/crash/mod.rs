//! Crash test: `jiceng serve` is killed with SIGKILL at random moments while several clients
//! register demands with idempotency keys and walk the orders through their steps; it is
//! started again on the same database each time, and the clients send every unanswered
//! request again. Afterwards every acknowledged request is in the database exactly once,
//! every history is gapless and the audit log verifies.
//!
//! The seed is printed; `JICENG_CRASH_SEED=<seed>` replays the kill times and the clients'
//! choices (what the kills cut off still depends on the scheduler).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod check;
mod client;
mod server;

use client::{Acked, Client, PASSWORD, Tally};
use jiceng_kernel::org::{NewOrgUnit, OrgKind};
use jiceng_kernel::user::{NewUser, Role};
use jiceng_store::testing::{self, TestDb};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use server::Server;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const CLIENTS: usize = 6;

/// How often the server is killed, and how long it serves between kills (ms).
struct Kills {
    count: usize,
    up: std::ops::Range<u64>,
}

const SQLITE_KILLS: Kills = Kills {
    count: 20,
    up: 150..1200,
};

/// Longer up-times: every query waits on PostgreSQL's own processes, which on a busy shared
/// test machine answer a request in one to two seconds where SQLite, inside the server's
/// process, takes milliseconds; each window must still see some requests through.
const POSTGRES_KILLS: Kills = Kills {
    count: 15,
    up: 800..2000,
};

/// The county, the town the orders go to, and for each client the four people who move the
/// orders.
async fn seed_county(t: &TestDb) -> String {
    let accounts = jiceng_server::orders_for(t.store.clone()).accounts;
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
        ("leader", Role::UnitLeader, town.id),
    ] {
        for i in 0..CLIENTS {
            let name = format!("{name}{i}");
            let u = NewUser::parse(&name, &name, None, vec![(role, at)]).unwrap();
            accounts.system_create_user(u, PASSWORD).await.unwrap();
        }
    }
    town.id.to_string()
}

fn seed_value() -> u64 {
    std::env::var("JICENG_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random)
}

async fn crash_run(t: TestDb, backend: &str, kills: Kills) {
    let seed = seed_value();
    eprintln!("crash test on {backend}: seed {seed} (JICENG_CRASH_SEED={seed} replays it)");
    let started = Instant::now();
    let town = seed_county(&t).await;
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::new(&t.url, &dir.path().join("data"));
    server.start();

    let stop = Arc::new(AtomicBool::new(false));
    let logins: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let c = Client::new(i, seed ^ (i as u64 + 1), server.base.clone(), &town);
            tokio::spawn(c.login_all())
        })
        .collect();
    let mut clients = Vec::new();
    for c in logins {
        clients.push(tokio::spawn(c.await.unwrap().run(stop.clone())));
    }
    // The kills, on a thread of their own: starting the server blocks until it prints its address.
    let killer = tokio::task::spawn_blocking(move || {
        let mut rng = StdRng::seed_from_u64(seed);
        for _ in 0..kills.count {
            std::thread::sleep(Duration::from_millis(rng.gen_range(kills.up.clone())));
            server.kill();
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..200)));
            server.start();
        }
        server
    });
    let mut server = killer.await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let (mut acked, mut tally) = (Vec::<Acked>::new(), Tally::default());
    for c in clients {
        let (a, t) = c.await.unwrap();
        acked.extend(a);
        tally.add(&t);
    }

    server.kill();
    let log = server.log_tail();
    assert!(
        tally.server_errors.is_empty(),
        "5xx answers: {:?}\nserver log:\n{log}",
        &tally.server_errors[..tally.server_errors.len().min(5)]
    );
    let (history, audit) = check::check(&t.store, &acked).await;
    let verified = check::audit_verify(&t.url, &server.data);
    let steps = acked.iter().map(|a| a.actions.len() - 1).sum::<usize>();
    let cut = tally.replayed + tally.recovered;
    eprintln!(
        "crash test on {backend}: {} kills survived ({} starts, slowest {:.1} s) with {CLIENTS} clients in {:.0} s; \
         {} acknowledged registrations and {steps} acknowledged transitions checked ({history} history entries, \
         every key sent again after the last start); {} attempts cut off by a kill and sent again; {cut} \
         requests committed before their answer was lost ({} registrations, {} transitions); {audit} audit entries; audit verify: {}",
        server.starts.len() - 1,
        server.starts.len(),
        server.starts.iter().max().unwrap().as_secs_f64(),
        started.elapsed().as_secs_f64(),
        acked.len(),
        tally.resent,
        tally.replayed,
        tally.recovered,
        verified.lines().last().unwrap_or("").trim()
    );
    assert!(tally.resent > 0, "no kill cut off a request in flight");
    assert!(
        acked.len() >= CLIENTS,
        "too little load: {}\nserver log:\n{log}",
        acked.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_sigkill_during_concurrent_intake() {
    crash_run(testing::sqlite().await, "SQLite", SQLITE_KILLS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_sigkill_during_concurrent_intake() {
    let Some(t) = testing::postgres().await else {
        return;
    };
    crash_run(t, "PostgreSQL", POSTGRES_KILLS).await;
}
