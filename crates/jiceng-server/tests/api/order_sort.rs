//! Lists and inboxes sorted by the deadline of the clock that runs now, paged by cursor, on
//! both backends; unknown sorts and foreign cursors are 400; jurisdiction still applies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{DateTime, TimeZone, Utc};
use common::{Backend, Session, error_code};
use jiceng_kernel::clock::{Clock, FixedClock};
use jiceng_kernel::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

fn local(month: u32, day: u32, h: u32, m: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, month, day, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// Every page of `path` (which has its own query), `limit` at a time: ids and deadlines.
async fn walk(who: &Session, path: &str, limit: u32) -> Vec<(String, Option<DateTime<Utc>>)> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..50 {
        let url = match &next {
            Some(c) => format!("{path}&limit={limit}&before={c}"),
            None => format!("{path}&limit={limit}"),
        };
        let (s, page) = who.get(&url).await;
        assert_eq!(s, StatusCode::OK, "{url}: {page}");
        for o in page["items"].as_array().unwrap() {
            let due = o["clock_deadline"].as_str().map(|d| d.parse().unwrap());
            out.push((o["id"].as_str().unwrap().to_owned(), due));
        }
        match page["next"].as_str() {
            Some(c) => next = Some(c.to_owned()),
            None => return out,
        }
    }
    panic!("{path}: the pages do not end");
}

fn ids(v: &[(String, Option<DateTime<Utc>>)]) -> Vec<&str> {
    v.iter().map(|(id, _)| id.as_str()).collect()
}

async fn sort_by_deadline(backend: Backend) {
    let clock = Arc::new(FixedClock::at(local(3, 2, 9, 0)));
    let Some(mut app) = common::spawn_with(
        backend,
        Some(clock.clone() as Arc<dyn Clock>),
        Default::default(),
    )
    .await
    else {
        return;
    };
    app.user("comm_handler", &[(Role::UnitHandler, "comm_a")])
        .await;
    app.user("b_handler", &[(Role::UnitHandler, "town_b")])
        .await;
    let op = app.login("operator").await;
    let disp = app.login("dispatcher").await;
    let handler = app.login("comm_handler").await;
    let set = |t| *clock.0.lock().unwrap() = t;
    let register = |title: &'static str| {
        let op = op.clone();
        let comm = app.units["comm_a"].id;
        async move {
            let (s, o) = op
                .post(
                    "/api/v1/work-orders",
                    json!({"content": format!("{title}：路灯不亮，请问何时维修"), "title": title,
                           "category": "咨询", "caller_phone": "13800001111", "region_unit_id": comm}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{o}");
            o["id"].as_str().unwrap().to_owned()
        }
    };
    let act = |who: &Session, id: &str, action: &str, body: Value| {
        let who = who.clone();
        let path = format!("/api/v1/work-orders/{id}/{action}");
        async move {
            let (s, v) = who.post(&path, body).await;
            assert_eq!(s, StatusCode::OK, "{path}: {v}");
        }
    };
    let lead = json!({"lead_unit_id": app.units["comm_a"].id});

    // Monday 09:00. Unclocked: registered only. Handled: signed for at once, 3 working days
    // (Thursday 17:30). Early: dispatched now, sign for within 4 working hours (14:30).
    let unclocked = register("未派").await;
    let handled = register("办理").await;
    act(&disp, &handled, "dispatch", lead.clone()).await;
    act(&handler, &handled, "accept", json!({})).await;
    let early = register("早派").await;
    act(&disp, &early, "dispatch", lead.clone()).await;
    // 10:00: Late is dispatched (15:30); then Done is replied and called back, its clocks stopped.
    set(local(3, 2, 10, 0));
    let late = register("晚派").await;
    act(&disp, &late, "dispatch", lead.clone()).await;
    // Ids are ordered by the millisecond of registration: a frozen clock must move on.
    set(local(3, 2, 10, 1));
    let done = register("办结").await;
    act(&disp, &done, "dispatch", lead.clone()).await;
    act(&handler, &done, "accept", json!({})).await;
    act(
        &handler,
        &done,
        "reply",
        json!({"text": "已修复", "review": false}),
    )
    .await;
    act(
        &op,
        &done,
        "follow-up",
        json!({"satisfaction": "very_satisfied", "solved": true}),
    )
    .await;

    let asc = walk(&disp, "/api/v1/work-orders?sort=deadline", 1).await;
    assert_eq!(
        ids(&asc),
        [
            early.as_str(),
            late.as_str(),
            handled.as_str(),
            done.as_str(),
            unclocked.as_str()
        ],
        "most urgent first, then the orders without a running clock, newest first"
    );
    assert_eq!(
        asc.iter().map(|(_, d)| *d).collect::<Vec<_>>(),
        [
            Some(local(3, 2, 14, 30)),
            Some(local(3, 2, 15, 30)),
            Some(local(3, 5, 17, 30)),
            None,
            None
        ]
    );
    let desc = walk(&disp, "/api/v1/work-orders?sort=-deadline", 2).await;
    assert_eq!(
        ids(&desc),
        [
            handled.as_str(),
            late.as_str(),
            early.as_str(),
            done.as_str(),
            unclocked.as_str()
        ]
    );
    let newest = walk(&disp, "/api/v1/work-orders?sort=newest", 2).await;
    assert_eq!(newest.len(), 5);
    assert_eq!(newest[0].0, done, "the default order is unchanged");
    // Filters combine with the sort.
    let open = walk(
        &disp,
        "/api/v1/work-orders?sort=deadline&status=dispatched",
        10,
    )
    .await;
    assert_eq!(ids(&open), [early.as_str(), late.as_str()]);

    // The inbox of orders to sign for, most urgent first.
    let to_sign = walk(
        &handler,
        "/api/v1/work-orders/inbox/to_sign?sort=deadline",
        1,
    )
    .await;
    assert_eq!(ids(&to_sign), [early.as_str(), late.as_str()]);
    let to_sign = walk(
        &handler,
        "/api/v1/work-orders/inbox/to_sign?sort=-deadline",
        1,
    )
    .await;
    assert_eq!(ids(&to_sign), [late.as_str(), early.as_str()]);

    // Another town's staff see none of them, sorted or not.
    let other = app.login("b_handler").await;
    assert!(
        walk(&other, "/api/v1/work-orders?sort=deadline", 5)
            .await
            .is_empty()
    );

    // Bad input: a 400 with the error shape, nothing else.
    for (path, code) in [
        ("/api/v1/work-orders?sort=urgency", "request.invalid_sort"),
        (
            "/api/v1/work-orders/inbox/to_sign?sort=due",
            "request.invalid_sort",
        ),
        (
            "/api/v1/work-orders?sort=deadline&before=abc",
            "request.invalid_cursor",
        ),
        (
            "/api/v1/work-orders?sort=deadline&before=1.2.3",
            "request.invalid_cursor",
        ),
    ] {
        let (s, body) = handler.get(path).await;
        assert_eq!(
            error_code(s, &body, StatusCode::BAD_REQUEST),
            code,
            "{path}"
        );
    }
    let (_, first) = disp.get("/api/v1/work-orders?sort=deadline&limit=1").await;
    let cursor = first["next"].as_str().unwrap();
    assert!(
        cursor.contains('.'),
        "a deadline cursor carries its key: {cursor}"
    );
    let (s, body) = disp
        .get(&format!("/api/v1/work-orders?before={cursor}"))
        .await;
    assert_eq!(
        error_code(s, &body, StatusCode::BAD_REQUEST),
        "request.invalid_cursor",
        "a deadline cursor in a newest-first list"
    );
}

#[tokio::test]
async fn sort_by_deadline_sqlite() {
    sort_by_deadline(Backend::Sqlite).await;
}

#[tokio::test]
async fn sort_by_deadline_postgres() {
    sort_by_deadline(Backend::Postgres).await;
}
