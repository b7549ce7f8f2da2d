//! Time travel through two jurisdictions with their own `[sla]` settings: a street with other
//! working hours, an earlier yellow warning and a shorter ladder, and a town on the defaults.
//! The same consultation, signed for at the same minute, gets other deadlines and is warned and
//! escalated at other times; records carry each jurisdiction's time to answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{DateTime, TimeZone, Utc};
use common::{Backend, Session, TestApp};
use jiceng_kernel::clock::{Clock, FixedClock};
use jiceng_kernel::user::Role;
use jiceng_orders::sla::{JurisdictionSettings, LadderSettings, SlaSettings};
use jiceng_server::sweeper::SweeperConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

fn local(month: u32, day: u32, h: u32, m: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, month, day, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn ts(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// 浓洄街道 (and the community under it): 08:00–12:00 and 14:00–18:00, yellow at half the
/// limit, supervision one working day after breach and the circular one more, four working
/// hours to answer a reminder. Everywhere else the defaults.
fn settings() -> SlaSettings {
    SlaSettings {
        jurisdiction: vec![JurisdictionSettings {
            unit: "浓洄街道".into(),
            working_hours: Some("08:00-12:00,14:00-18:00".into()),
            yellow_percent: Some(50),
            ladder: LadderSettings {
                supervision_after: Some("1个工作日".into()),
                circular_after: Some("1个工作日".into()),
                reminder_reply: Some("4工作小时".into()),
                ..Default::default()
            },
            ..Default::default()
        }],
        ..Default::default()
    }
}

struct World {
    app: TestApp,
    clock: Arc<FixedClock>,
}

impl World {
    async fn session(&self, user: &str) -> Session {
        self.app.login(user).await
    }

    async fn set(&self, t: DateTime<Utc>) {
        *self.clock.0.lock().unwrap() = t;
        self.app.wake.wake_now();
    }

    async fn act(&self, user: &str, id: &str, action: &str, body: Value) {
        let who = self.session(user).await;
        let (s, v) = who
            .post(&format!("/api/v1/work-orders/{id}/{action}"), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
    }

    /// A consultation (3 working days) of `unit`, dispatched to it and signed for now.
    async fn order(&self, unit: &str, handler: &str) -> String {
        let op = self.session("operator").await;
        let (s, o) = op
            .post(
                "/api/v1/work-orders",
                json!({"content": "小区门口路灯不亮，请问何时维修", "category": "咨询",
                       "caller_phone": "13800001111", "region_unit_id": self.app.units[unit].id}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{o}");
        let id = o["id"].as_str().unwrap().to_owned();
        let lead = json!({"lead_unit_id": self.app.units[unit].id});
        self.act("dispatcher", &id, "dispatch", lead).await;
        self.act(handler, &id, "accept", json!({})).await;
        id
    }

    async fn handling(&self, id: &str) -> Value {
        let s = self.session("supervisor").await;
        let (st, c) = s.get(&format!("/api/v1/work-orders/{id}/clocks")).await;
        assert_eq!(st, StatusCode::OK, "{c}");
        c.as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "handling")
            .cloned()
            .unwrap()
    }

    async fn steps(&self, id: &str) -> Vec<String> {
        let s = self.session("supervisor").await;
        let (_, h) = s.get(&format!("/api/v1/work-orders/{id}/history")).await;
        h.as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .filter_map(|a| a.strip_prefix("sla_"))
            .map(str::to_owned)
            .collect()
    }

    /// Moves the clock to `t` and waits until both orders show the steps expected.
    async fn travel(&self, t: DateTime<Utc>, want: [(&str, &[&str]); 2]) {
        self.set(t).await;
        let give_up = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let mut all = true;
            for (id, steps) in want {
                all &= self.steps(id).await == steps;
            }
            if all {
                break;
            }
            if std::time::Instant::now() > give_up {
                for (id, steps) in want {
                    assert_eq!(self.steps(id).await, steps, "at {t}");
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        for (id, steps) in want {
            assert_eq!(self.steps(id).await, steps, "settled at {t}");
        }
    }

    async fn records(&self, id: &str) -> Vec<Value> {
        let s = self.session("supervisor").await;
        let (st, b) = s
            .get(&format!("/api/v1/sla/escalations?order={id}&limit=50"))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let mut items = b["items"].as_array().unwrap().clone();
        items.reverse();
        items
    }
}

async fn two_jurisdictions(backend: Backend) {
    let clock = Arc::new(FixedClock::at(local(3, 2, 10, 0)));
    let fast = SweeperConfig {
        max_sleep: Duration::from_millis(20),
        ..Default::default()
    };
    let Some(mut app) =
        common::spawn_with(backend, Some(clock.clone() as Arc<dyn Clock>), fast).await
    else {
        return;
    };
    app.user("comm_handler", &[(Role::UnitHandler, "comm_a")])
        .await;
    app.user("b_handler", &[(Role::UnitHandler, "town_b")])
        .await;
    // The settings name units, so they apply from the start after the units exist.
    app.sla = Some(settings());
    app.restart().await;
    let w = World { app, clock };

    // Monday 2026-03-02 10:00, both signed for at once.
    let street = w.order("comm_a", "comm_handler").await;
    let town = w.order("town_b", "b_handler").await;

    // The town: 3 working days end Thursday 17:30; 75% of 27 working hours on Thursday 09:15.
    let t = w.handling(&town).await;
    assert_eq!(ts(&t["deadline"]), local(3, 5, 17, 30));
    assert_eq!(ts(&t["yellow_at"]), local(3, 5, 9, 15));
    // The street's community: its day closes at 18:00; half of its 30 working hours (6 on
    // Monday, 8 on each other day) has passed on Wednesday at 09:00.
    let s = w.handling(&street).await;
    assert_eq!(ts(&s["deadline"]), local(3, 5, 18, 0));
    assert_eq!(ts(&s["yellow_at"]), local(3, 4, 9, 0));

    const NONE: &[&str] = &[];
    const Y: &[&str] = &["yellow"];
    const R: &[&str] = &["yellow", "red", "reminder"];
    const S: &[&str] = &["yellow", "red", "reminder", "supervision"];
    const ALL: &[&str] = &["yellow", "red", "reminder", "supervision", "circular"];
    w.travel(local(3, 4, 8, 59), [(&street, NONE), (&town, NONE)])
        .await;
    w.travel(local(3, 4, 9, 1), [(&street, Y), (&town, NONE)])
        .await;
    w.travel(local(3, 5, 9, 16), [(&street, Y), (&town, Y)])
        .await;
    w.travel(local(3, 5, 17, 31), [(&street, Y), (&town, R)])
        .await;
    w.travel(local(3, 5, 18, 1), [(&street, R), (&town, R)])
        .await;
    // Supervision one working day after breach in the street (Friday 18:00), two in the town
    // (Monday 17:30); the circular one more in the street (Monday 18:00), three in the town.
    w.travel(local(3, 6, 18, 1), [(&street, S), (&town, R)])
        .await;
    w.travel(local(3, 9, 17, 31), [(&street, S), (&town, S)])
        .await;
    w.travel(local(3, 9, 18, 1), [(&street, ALL), (&town, S)])
        .await;
    w.travel(local(3, 12, 17, 29), [(&street, ALL), (&town, S)])
        .await;
    w.travel(local(3, 12, 17, 31), [(&street, ALL), (&town, ALL)])
        .await;

    // A reminder in the street is answered within 4 working hours (Friday 12:00); in the town
    // within a working day (Friday 17:30).
    let street_records = w.records(&street).await;
    let town_records = w.records(&town).await;
    assert_eq!(street_records[0]["step"], "reminder");
    assert_eq!(ts(&street_records[0]["deadline"]), local(3, 6, 12, 0));
    assert_eq!(town_records[0]["step"], "reminder");
    assert_eq!(ts(&town_records[0]["deadline"]), local(3, 6, 17, 30));
    assert_eq!(ts(&street_records[1]["issued_at"]), local(3, 6, 18, 1));
    assert_eq!(ts(&town_records[1]["issued_at"]), local(3, 9, 17, 31));
}

#[tokio::test]
async fn two_jurisdictions_sqlite() {
    two_jurisdictions(Backend::Sqlite).await;
}

#[tokio::test]
async fn two_jurisdictions_postgres() {
    two_jurisdictions(Backend::Postgres).await;
}

/// An override naming no unit stops the server from starting with a message naming it.
#[tokio::test]
async fn an_unknown_unit_is_refused() {
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    let mut bad = settings();
    bad.jurisdiction[0].unit = "不存在的街道".into();
    let e = app.orders.sla_policies(&bad).await.unwrap_err();
    assert_eq!(e.code, "sla.invalid_settings");
    assert!(e.message.contains("不存在的街道"), "{}", e.message);
    // By id, too.
    let mut by_id = settings();
    by_id.jurisdiction[0].unit = app.units["town_a"].id.to_string();
    let p = app.orders.sla_policies(&by_id).await.unwrap();
    assert_eq!(p.for_region(&app.units["comm_a"].path).yellow_permille, 500);
    assert_eq!(p.for_region(&app.units["town_b"].path).yellow_permille, 750);
}
