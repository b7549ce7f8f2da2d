//! Time-limit figures on known data: on-time rate, open and overdue counts, average and
//! median handling time in working hours, per unit, over HTTP with role and jurisdiction checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{DateTime, TimeZone, Utc};
use common::{Backend, TestApp};
use jiceng_kernel::access::Principal;
use jiceng_kernel::clock::{Clock, FixedClock};
use jiceng_kernel::ids::{OrderId, UnitId};
use jiceng_kernel::user::Role;
use jiceng_orders::use_cases::ActRequest;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Command, NewWorkOrder};
use jiceng_server::sweeper::SweeperConfig;
use reqwest::StatusCode;
use std::sync::Arc;

fn local(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 3, day, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

struct Actors {
    operator: Principal,
    dispatcher: Principal,
}

async fn principal(app: &TestApp, key: &str) -> Principal {
    let id = app.users[key];
    Principal::from(app.orders.store.get_user(id).await.unwrap().unwrap())
}

async fn handled(app: &TestApp, who: &Actors, staff: &Principal, unit: UnitId) -> OrderId {
    let s = &app.orders;
    let new = NewWorkOrder::parse(IntakeForm {
        content: "咨询：社区养老服务站的开放时间",
        category: Some("咨询"),
        caller_phone: Some("13800001111"),
        ..Default::default()
    })
    .unwrap();
    let o = s
        .register_order(&who.operator, new, Some(unit), None)
        .await
        .unwrap();
    let dispatch = ActRequest::Dispatch {
        lead: unit,
        co_units: vec![],
        note: None,
    };
    s.act(&who.dispatcher, o.id, dispatch, None).await.unwrap();
    s.act(staff, o.id, ActRequest::Other(Command::Accept), None)
        .await
        .unwrap();
    o.id
}

async fn step(
    app: &TestApp,
    clock: &FixedClock,
    at: DateTime<Utc>,
    who: &Principal,
    id: OrderId,
    cmd: Command,
) {
    *clock.0.lock().unwrap() = at;
    app.orders
        .act(who, id, ActRequest::Other(cmd), None)
        .await
        .unwrap();
}

fn reply() -> Command {
    Command::Reply {
        text: "已答复：每日 8:30–17:30 开放".into(),
        review: false,
    }
}

async fn figures(backend: Backend) {
    let clock = Arc::new(FixedClock::at(local(2, 9, 0)));
    let idle = SweeperConfig {
        enabled: false,
        ..Default::default()
    };
    let Some(mut app) =
        common::spawn_with(backend, Some(clock.clone() as Arc<dyn Clock>), idle).await
    else {
        return;
    };
    app.user("comm_handler", &[(Role::UnitHandler, "comm_a")])
        .await;
    let who = Actors {
        operator: principal(&app, "operator").await,
        dispatcher: principal(&app, "dispatcher").await,
    };
    let comm_staff = principal(&app, "comm_handler").await;
    let dept_staff = principal(&app, "dept_handler").await;
    let comm = app.units["comm_a"].id;
    let dept = app.units["dept"].id;

    // Monday 2026-03-02 09:00; a consultation's 3 working days end on Thursday 17:30.
    let quick = handled(&app, &who, &comm_staff, comm).await;
    let paused = handled(&app, &who, &comm_staff, comm).await;
    let late = handled(&app, &who, &comm_staff, comm).await;
    let _open_late = handled(&app, &who, &comm_staff, comm).await;
    step(&app, &clock, local(2, 11, 0), &comm_staff, quick, reply()).await; // 2 h
    let suspend = Command::Suspend {
        reason: "等待街道答复".into(),
    };
    step(&app, &clock, local(3, 9, 0), &comm_staff, paused, suspend).await;
    step(
        &app,
        &clock,
        local(4, 9, 0),
        &comm_staff,
        paused,
        Command::Resume { note: None },
    )
    .await;
    step(&app, &clock, local(4, 12, 0), &comm_staff, paused, reply()).await; // 17 h − 7 h paused
    step(&app, &clock, local(6, 10, 0), &comm_staff, late, reply()).await; // 4 × 7 h + 1 h, late
    *clock.0.lock().unwrap() = local(6, 9, 0);
    handled(&app, &who, &dept_staff, dept).await; // open, due next Wednesday
    *clock.0.lock().unwrap() = local(6, 10, 0);

    let path = format!(
        "/api/v1/sla/figures?unit={}&from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z",
        app.units["county"].id
    );
    let supervisor = app.login("supervisor").await;
    let (s, f) = supervisor.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{f}");
    let rows = f.as_array().unwrap();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["unit_name"] == name)
            .unwrap()
            .clone()
    };
    let c = row("滨江社区");
    assert_eq!(c["closed"], 3);
    assert_eq!(c["closed_on_time"], 2);
    assert!((c["on_time_rate"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert!((c["average_hours"].as_f64().unwrap() - (2.0 + 10.0 + 29.0) / 3.0).abs() < 1e-9);
    assert_eq!(c["median_hours"], 10.0);
    assert_eq!(
        (c["open"].as_u64(), c["overdue"].as_u64()),
        (Some(1), Some(1))
    );
    let d = row("城市管理综合行政执法局");
    assert_eq!(
        (
            d["closed"].as_u64(),
            d["open"].as_u64(),
            d["overdue"].as_u64()
        ),
        (Some(0), Some(1), Some(0))
    );
    assert!(d["on_time_rate"].is_null());

    // Sign-for clocks: all four signed for at once, on time.
    let (_, sf) = supervisor.get(&format!("{path}&clock=sign_for")).await;
    let sc = sf
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit_name"] == "滨江社区")
        .unwrap()
        .clone();
    assert_eq!(
        (sc["closed"].as_u64(), sc["on_time_rate"].as_f64()),
        (Some(4), Some(1.0))
    );

    // The town's leader sees its own subtree, not the county's; a handler sees no figures.
    let town = app.login("leader_a").await;
    let (s, _) = town.get(&path).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let town_path = path.replace(
        &app.units["county"].id.to_string(),
        &app.units["town_a"].id.to_string(),
    );
    let (s, f) = town.get(&town_path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(f.as_array().unwrap().len(), 1);
    let (s, _) = app.login("handler_a").await.get(&town_path).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn figures_sqlite() {
    figures(Backend::Sqlite).await;
}

#[tokio::test]
async fn figures_postgres() {
    figures(Backend::Postgres).await;
}
