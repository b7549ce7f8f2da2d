//! The login lock under concurrency: an attempt is counted before its password is checked, so
//! thirty simultaneous logins evaluate at most five wrong passwords, on one server or two
//! servers sharing one PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, PASSWORD, TestApp, spawn};
use jiceng_server::{Application, ServerConfig, orders_for};
use reqwest::StatusCode;
use serde_json::json;

/// Thirty logins for one user at once (one with the right password), spread over `bases`.
async fn thirty_at_once(app: &TestApp, bases: &[String]) -> Vec<(StatusCode, bool)> {
    let mut tasks = Vec::new();
    for i in 0..30usize {
        let url = format!("{}/api/v1/auth/login", bases[i % bases.len()]);
        let client = app.client.clone();
        let password = if i == 17 { PASSWORD } else { "wrong-pass-1" };
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .json(&json!({"username": "handler_a", "password": password}))
                .send()
                .await
                .unwrap();
            (r.status(), r.headers().contains_key("retry-after"))
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn assert_locked_after_five(results: &[(StatusCode, bool)]) {
    let count = |s: StatusCode| results.iter().filter(|(st, _)| *st == s).count();
    let (wrong, ok, locked) = (
        count(StatusCode::UNAUTHORIZED),
        count(StatusCode::OK),
        count(StatusCode::TOO_MANY_REQUESTS),
    );
    assert!(
        wrong <= 5,
        "{wrong} wrong passwords were evaluated: {results:?}"
    );
    assert!(ok <= 1);
    assert_eq!(wrong + ok + locked, 30, "{results:?}");
    assert!(
        results
            .iter()
            .all(|(st, retry)| *st != StatusCode::TOO_MANY_REQUESTS || *retry),
        "every 429 carries Retry-After"
    );
}

#[tokio::test]
async fn concurrent_logins_respect_the_lock_on_sqlite() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let results = thirty_at_once(&app, std::slice::from_ref(&app.base)).await;
    assert_locked_after_five(&results);
}

#[tokio::test]
async fn concurrent_logins_respect_the_lock_on_postgres() {
    let Some(app) = spawn(Backend::Postgres).await else {
        return;
    };
    let results = thirty_at_once(&app, std::slice::from_ref(&app.base)).await;
    assert_locked_after_five(&results);
}

/// Two server processes (each its own connection pool) on one PostgreSQL database share the
/// count.
#[tokio::test]
async fn concurrent_logins_on_two_servers_share_the_lock() {
    let Some(app) = spawn(Backend::Postgres).await else {
        return;
    };
    let store = jiceng_store::SqlStore::connect(&app.db.url).await.unwrap();
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        secure_cookies: false,
        body_limit: 64 * 1024,
        audit: Default::default(),
        dispatch: Default::default(),
        web_dir: None,
    };
    let second = Application::build(config, orders_for(std::sync::Arc::new(store)))
        .await
        .unwrap();
    let second_base = format!("http://{}", second.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(second.run_until(async move {
        let _ = stopped.await;
    }));
    // Open both servers' connection pools first: on a busy machine thirty cold connects at
    // once can outlast the pool's acquire timeout, which is not what this test is about.
    for base in [&app.base, &second_base] {
        let warm: Vec<_> = (0..16)
            .map(|_| tokio::spawn(app.client.get(format!("{base}/healthz")).send()))
            .collect();
        for w in warm {
            w.await.unwrap().unwrap();
        }
    }
    let results = thirty_at_once(&app, &[app.base.clone(), second_base]).await;
    assert_locked_after_five(&results);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Fewer than five failures never stand in the way of the right password.
#[tokio::test]
async fn a_few_failures_do_not_hinder_the_right_password() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    for _ in 0..4 {
        match app.try_login("handler_a", "wrong-pass-1").await {
            Err((st, _)) => assert_eq!(st, StatusCode::UNAUTHORIZED),
            Ok(_) => panic!("a wrong password logged in"),
        }
    }
    app.login("handler_a").await;
    app.login("handler_a").await;
}
