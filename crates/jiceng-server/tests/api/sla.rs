//! Time travel through the clocks of work orders, over HTTP on a real database: yellow, red,
//! reminder, supervision and circular, each once, in order, to the right unit, across a
//! restart of the server; suspension and extension move everything after them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{DateTime, TimeZone, Utc};
use common::{Backend, Session, TestApp};
use jiceng_kernel::clock::{Clock, FixedClock};
use jiceng_kernel::user::Role;
use jiceng_server::sweeper::SweeperConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// A local (UTC+8) wall-clock time in 2026.
fn local(month: u32, day: u32, h: u32, m: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, month, day, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

struct World {
    app: TestApp,
    clock: Arc<FixedClock>,
    operator: Session,
    dispatcher: Session,
    handler: Session,
    supervisor: Session,
}

impl World {
    async fn new(backend: Backend) -> Option<Self> {
        let clock = Arc::new(FixedClock::at(local(3, 2, 9, 0)));
        let fast = SweeperConfig {
            max_sleep: Duration::from_millis(20),
            ..Default::default()
        };
        let mut app =
            common::spawn_with(backend, Some(clock.clone() as Arc<dyn Clock>), fast).await?;
        app.user("comm_handler", &[(Role::UnitHandler, "comm_a")])
            .await;
        app.user("comm_leader", &[(Role::UnitLeader, "comm_a")])
            .await;
        let (operator, dispatcher, handler, supervisor) = Self::sessions(&app).await;
        Some(Self {
            app,
            clock,
            operator,
            dispatcher,
            handler,
            supervisor,
        })
    }

    async fn sessions(app: &TestApp) -> (Session, Session, Session, Session) {
        (
            app.login("operator").await,
            app.login("dispatcher").await,
            app.login("comm_handler").await,
            app.login("supervisor").await,
        )
    }

    async fn restart(&mut self) {
        self.app.restart().await;
        let (o, d, h, s) = Self::sessions(&self.app).await;
        (
            self.operator,
            self.dispatcher,
            self.handler,
            self.supervisor,
        ) = (o, d, h, s);
    }

    /// Moves the clock and wakes the sweeper. Sessions idle out over a jump: log in again.
    async fn set(&mut self, t: DateTime<Utc>) {
        *self.clock.0.lock().unwrap() = t;
        self.app.wake.wake_now();
        let (o, d, h, s) = Self::sessions(&self.app).await;
        (
            self.operator,
            self.dispatcher,
            self.handler,
            self.supervisor,
        ) = (o, d, h, s);
    }

    async fn act(&self, who: &Session, id: &str, action: &str, body: Value) -> Value {
        let (s, v) = who
            .post(&format!("/api/v1/work-orders/{id}/{action}"), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
        v
    }

    /// A consultation (3 working days) registered and dispatched to the community now, signed
    /// for at `accept`.
    async fn order(&mut self, title: &str, accept: DateTime<Utc>) -> String {
        let (s, o) = self
            .operator
            .post(
                "/api/v1/work-orders",
                json!({"content": format!("{title}：小区门口路灯不亮，请问何时维修"), "title": title,
                       "category": "咨询", "caller_phone": "13800001111",
                       "region_unit_id": self.app.units["comm_a"].id}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{o}");
        let id = o["id"].as_str().unwrap().to_owned();
        let lead = json!({"lead_unit_id": self.app.units["comm_a"].id});
        self.act(&self.dispatcher, &id, "dispatch", lead).await;
        let now = self.clock.now();
        self.set(accept).await;
        self.act(&self.handler, &id, "accept", json!({})).await;
        self.set(now).await;
        id
    }

    async fn sla_steps(&self, id: &str) -> Vec<String> {
        let (s, h) = self
            .supervisor
            .get(&format!("/api/v1/work-orders/{id}/history"))
            .await;
        assert_eq!(s, StatusCode::OK);
        h.as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .filter(|a| a.starts_with("sla_"))
            .map(|a| a.trim_start_matches("sla_").to_owned())
            .collect()
    }

    async fn clock_of(&self, id: &str, kind: &str) -> Value {
        let (s, c) = self
            .supervisor
            .get(&format!("/api/v1/work-orders/{id}/clocks"))
            .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        c.as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == kind)
            .cloned()
            .unwrap_or(Value::Null)
    }

    async fn board(&self, who: &Session, id: &str) -> Vec<Value> {
        let (s, b) = who
            .get(&format!("/api/v1/sla/escalations?order={id}&limit=500"))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let mut items = b["items"].as_array().unwrap().clone();
        items.reverse(); // oldest first
        items
    }

    /// Moves the clock to `t` and waits until the sweeper settles: every order's warning
    /// steps are those expected, then a little longer to catch anything extra.
    async fn travel(&mut self, t: DateTime<Utc>, want: &[(&str, &[&str])]) {
        self.set(t).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let mut all = true;
            for (id, steps) in want {
                all &= self.sla_steps(id).await == *steps;
            }
            if all {
                break;
            }
            if std::time::Instant::now() > deadline {
                for (id, steps) in want {
                    assert_eq!(self.sla_steps(id).await, *steps, "at {t}");
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        for (id, steps) in want {
            assert_eq!(self.sla_steps(id).await, *steps, "settled at {t}");
        }
    }
}

fn ts(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn time_travel(backend: Backend) {
    let Some(mut w) = World::new(backend).await else {
        return;
    };
    // Monday 2026-03-02 09:00. A: signed for at 10:00; its 3 working days end on Thursday
    // 17:30 and 75% of the 27 working hours have passed on Thursday at 09:15.
    let a = w.order("甲", local(3, 2, 10, 0)).await;
    let b = w.order("乙", local(3, 2, 10, 0)).await;
    let c = w.order("丙", local(3, 2, 10, 0)).await;
    let sign = w.clock_of(&a, "sign_for").await;
    assert_eq!(sign["on_time"], true, "{sign}");
    let h = w.clock_of(&a, "handling").await;
    assert_eq!(ts(&h["deadline"]), local(3, 5, 17, 30));
    assert_eq!(ts(&h["yellow_at"]), local(3, 5, 9, 15));
    assert_eq!(h["limit"], "3个工作日");

    // B is suspended for all of Tuesday: its deadline and yellow mark move one working day.
    w.set(local(3, 3, 9, 0)).await;
    w.act(
        &w.handler,
        &b,
        "suspend",
        json!({"reason": "等待业主提供材料"}),
    )
    .await;
    w.set(local(3, 4, 9, 0)).await;
    w.act(&w.handler, &b, "resume", json!({})).await;
    let hb = w.clock_of(&b, "handling").await;
    assert_eq!(ts(&hb["deadline"]), local(3, 6, 17, 30));
    assert_eq!(ts(&hb["yellow_at"]), local(3, 6, 9, 15));
    // C gets an extension to Friday 2026-03-13 17:30, approved on Wednesday.
    let new_due = local(3, 13, 17, 30);
    w.act(
        &w.handler,
        &c,
        "extension-request",
        json!({"reason": "需协调供电部门", "new_due": new_due}),
    )
    .await;
    w.act(
        &w.supervisor,
        &c,
        "extension-decision",
        json!({"approve": true}),
    )
    .await;
    let hc = w.clock_of(&c, "handling").await;
    assert_eq!(ts(&hc["deadline"]), new_due);
    // 75% of the 69 working hours from Monday 10:00 to the new deadline.
    assert_eq!(ts(&hc["yellow_at"]), local(3, 11, 14, 15));

    const NONE: &[&str] = &[];
    const Y: &[&str] = &["yellow"];
    const R: &[&str] = &["yellow", "red", "reminder"];
    const S: &[&str] = &["yellow", "red", "reminder", "supervision"];
    const ALL: &[&str] = &["yellow", "red", "reminder", "supervision", "circular"];
    w.travel(local(3, 5, 9, 14), &[(&a, NONE), (&b, NONE), (&c, NONE)])
        .await;
    w.travel(local(3, 5, 9, 16), &[(&a, Y), (&b, NONE), (&c, NONE)])
        .await;
    w.travel(local(3, 5, 17, 31), &[(&a, R), (&b, NONE), (&c, NONE)])
        .await;
    let red = w.clock_of(&a, "handling").await;
    assert_eq!(red["level"], "red");
    let (_, view) = w.supervisor.get(&format!("/api/v1/work-orders/{a}")).await;
    assert_eq!(
        (view["clock"].as_str(), view["clock_level"].as_str()),
        (Some("handling"), Some("red"))
    );
    let (_, overdue) = w.supervisor.get("/api/v1/work-orders?overdue=true").await;
    let overdue: Vec<&str> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        overdue,
        [a.as_str()],
        "the stored deadline filters the list"
    );

    // A restart in the middle: nothing repeats, nothing is skipped.
    w.restart().await;
    w.travel(local(3, 5, 17, 32), &[(&a, R), (&b, NONE), (&c, NONE)])
        .await;
    w.travel(local(3, 6, 9, 16), &[(&a, R), (&b, Y), (&c, NONE)])
        .await;
    w.travel(local(3, 6, 17, 31), &[(&a, R), (&b, R), (&c, NONE)])
        .await;
    // Supervision: 2 working days after breach (A: Monday 9th; B: Tuesday 10th).
    w.travel(local(3, 9, 17, 29), &[(&a, R), (&b, R), (&c, NONE)])
        .await;
    w.travel(local(3, 9, 17, 31), &[(&a, S), (&b, R), (&c, NONE)])
        .await;
    w.restart().await;
    w.travel(local(3, 10, 17, 31), &[(&a, S), (&b, S), (&c, NONE)])
        .await;
    w.travel(local(3, 11, 14, 14), &[(&a, S), (&b, S), (&c, NONE)])
        .await;
    w.travel(local(3, 11, 14, 16), &[(&a, S), (&b, S), (&c, Y)])
        .await;
    // Circular: 3 more working days (A: Thursday 12th); C breaches on the 13th.
    w.travel(local(3, 12, 17, 31), &[(&a, ALL), (&b, S), (&c, Y)])
        .await;
    w.travel(local(3, 13, 17, 31), &[(&a, ALL), (&b, ALL), (&c, R)])
        .await;

    // The board: each record once, in order, to the unit, the level above, the county.
    let records = w.board(&w.supervisor, &a).await;
    let seen: Vec<(&str, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                r["step"].as_str().unwrap(),
                r["addressee"]["unit_name"].as_str().unwrap(),
                &r["number"].as_str().unwrap()[..2],
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("reminder", "滨江社区", "CB"),
            ("supervision", "浓洄街道", "DB"),
            ("circular", "广安区", "TB"),
        ]
    );
    assert!(
        records
            .windows(2)
            .all(|p| ts(&p[0]["issued_at"]) < ts(&p[1]["issued_at"]))
    );
    assert!(records[1]["text"].as_str().unwrap().contains("督办通知"));
    assert!(
        records
            .iter()
            .all(|r| ts(&r["deadline"]) > ts(&r["issued_at"]))
    );
    assert_eq!(ts(&records[0]["issued_at"]), local(3, 5, 17, 31));
    let b_records = w.board(&w.supervisor, &b).await;
    assert_eq!(b_records.len(), 3);
    assert_eq!(ts(&b_records[1]["issued_at"]), local(3, 10, 17, 31));

    // Who sees the board: the town's leader sees its community's records; a department's
    // leader sees none of them; a handler may not open the board.
    let town = w.app.login("leader_a").await;
    assert_eq!(w.board(&town, &a).await.len(), 3);
    let dept = w.app.login("dept_leader").await;
    assert_eq!(w.board(&dept, &a).await.len(), 0);
    let (s, _) = w.handler.get("/api/v1/sla/escalations").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The community's leader was told by text message.
    let notices = w
        .app
        .orders
        .store
        .pending_notices(w.app.county(), 1000)
        .await
        .unwrap();
    assert!(
        notices
            .iter()
            .any(|n| n.kind == "sla_reminder" && n.text.contains("甲"))
    );
}

#[tokio::test]
async fn time_travel_sqlite() {
    time_travel(Backend::Sqlite).await;
}

#[tokio::test]
async fn time_travel_postgres() {
    time_travel(Backend::Postgres).await;
}
