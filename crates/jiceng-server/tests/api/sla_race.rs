//! Two sweepers on one database (two processes' connection pools) race for the same due
//! steps: each step of each order is stored exactly once, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{Duration, TimeZone, Utc};
use common::Backend;
use jiceng_kernel::access::Principal;
use jiceng_kernel::clock::{Clock, FixedClock};
use jiceng_kernel::user::Role;
use jiceng_orders::sla::EscalationQuery;
use jiceng_orders::use_cases::{ActRequest, Orders};
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Command, NewWorkOrder};
use jiceng_server::Argon2Secrets;
use jiceng_server::sweeper::SweeperConfig;
use std::collections::HashMap;
use std::sync::Arc;

const ORDERS: usize = 24;

async fn principal(s: &Orders, id: jiceng_kernel::ids::UserId) -> Principal {
    Principal::from(s.store.get_user(id).await.unwrap().unwrap())
}

async fn race(backend: Backend) {
    let start = chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let clock = Arc::new(FixedClock::at(start));
    let idle = SweeperConfig {
        enabled: false,
        ..Default::default()
    };
    let Some(mut app) =
        common::spawn_with(backend, Some(clock.clone() as Arc<dyn Clock>), idle).await
    else {
        return;
    };
    let handler = app
        .user("comm_handler", &[(Role::UnitHandler, "comm_a")])
        .await;
    let s1 = app.orders.clone();
    let operator = principal(&s1, app.users["operator"]).await;
    let dispatcher = principal(&s1, app.users["dispatcher"]).await;
    let handler = principal(&s1, handler).await;
    let comm = app.units["comm_a"].id;
    let mut ids = Vec::new();
    for i in 0..ORDERS {
        let content = format!("第{i}号诉求：楼道堆放杂物");
        let new = NewWorkOrder::parse(IntakeForm {
            content: &content,
            category: Some("咨询"),
            caller_phone: Some("13800001111"),
            ..Default::default()
        })
        .unwrap();
        let o = s1
            .register_order(&operator, new, Some(comm), None)
            .await
            .unwrap();
        let dispatch = ActRequest::Dispatch {
            lead: comm,
            co_units: vec![],
            note: None,
        };
        s1.act(&dispatcher, o.id, dispatch, None).await.unwrap();
        s1.act(&handler, o.id, ActRequest::Other(Command::Accept), None)
            .await
            .unwrap();
        ids.push(o.id);
    }
    // A second process: its own pool on the same database, the same clock.
    let store2 = jiceng_store::SqlStore::connect(&app.db.url).await.unwrap();
    let s2 = Orders::new(Arc::new(store2), clock.clone(), Arc::new(Argon2Secrets));

    clock.advance(Duration::days(40));
    let (mut fired, mut lost) = (0, 0);
    loop {
        let (a, b) = tokio::join!(s1.sweep_due(5), s2.sweep_due(5));
        let (a, b) = (a.unwrap(), b.unwrap());
        fired += a.fired + b.fired;
        lost += a.lost_races + b.lost_races;
        if a.due == 0 && b.due == 0 {
            break;
        }
    }
    assert_eq!(fired, ORDERS * 5, "five steps per order, once each");
    assert!(lost > 0, "the two sweepers did race for the same steps");

    for id in &ids {
        let steps: Vec<String> = s1
            .store
            .order_history(app.county(), *id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .filter(|a| a.starts_with("sla_"))
            .collect();
        assert_eq!(
            steps,
            [
                "sla_yellow",
                "sla_red",
                "sla_reminder",
                "sla_supervision",
                "sla_circular"
            ]
        );
    }
    let supervisor = principal(&s1, app.users["supervisor"]).await;
    let board = s1
        .escalation_board(
            &supervisor,
            EscalationQuery {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(board.len(), ORDERS * 3);
    let mut per: HashMap<(jiceng_kernel::ids::OrderId, &str), usize> = HashMap::new();
    for e in &board {
        *per.entry((e.subject.as_work_order().unwrap(), e.step.as_str()))
            .or_default() += 1;
    }
    assert!(per.values().all(|n| *n == 1));
    let numbers: std::collections::HashSet<&str> =
        board.iter().map(|e| e.number.as_str()).collect();
    assert_eq!(numbers.len(), board.len(), "numbers are unique");
    // Nothing is left to fire.
    assert_eq!(s2.sweep_due(100).await.unwrap().due, 0);
}

#[tokio::test]
async fn two_sweepers_race_sqlite() {
    race(Backend::Sqlite).await;
}

#[tokio::test]
async fn two_sweepers_race_postgres() {
    race(Backend::Postgres).await;
}
