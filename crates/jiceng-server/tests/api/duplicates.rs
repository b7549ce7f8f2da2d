//! Duplicate candidates (疑似重复件) over HTTP: who sees which candidates at registration and
//! on request, what is left out (other text, too far, too old, another town, closed), and
//! merging a proposed duplicate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{Duration, TimeZone, Utc};
use common::{Backend, Session, TestApp, error_code};
use jiceng_kernel::access::Principal;
use jiceng_kernel::clock::{Clock, FixedClock};
use jiceng_kernel::user::Role;
use jiceng_orders::use_cases::Orders;
use jiceng_orders::work_order::NewWorkOrder;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_server::sweeper::SweeperConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

const MANHOLE: &str = "滨江路人行道上的井盖缺失，晚上很危险，已经有老人差点摔倒，请尽快处理。";
const MANHOLE_AGAIN: &str =
    "滨江路人行道上的井盖缺失，晚上很危险，已经有老人差点摔倒，请尽快处理！我前天也看到了。";
const RUBBISH: &str = "小区门口的垃圾桶满了三天没人清运，臭气熏天，蚊蝇很多。";
const HERE: (f64, f64) = (30.46, 106.63);

struct World {
    app: TestApp,
    clock: Arc<FixedClock>,
    operator: Session,
    dispatcher: Session,
}

async fn setup(backend: Backend) -> Option<World> {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::at(start));
    let idle = SweeperConfig {
        enabled: false,
        ..Default::default()
    };
    let app = common::spawn_with(backend, Some(clock.clone() as Arc<dyn Clock>), idle).await?;
    Some(World {
        operator: app.login("operator").await,
        dispatcher: app.login("dispatcher").await,
        app,
        clock,
    })
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|c| c["order"]["id"].as_str().unwrap().to_owned())
        .collect()
}

impl World {
    fn unit(&self, k: &str) -> String {
        self.app.units[k].id.to_string()
    }

    /// Registers as `who`; returns the answer (order and `duplicates`).
    async fn register(
        &self,
        who: &Session,
        content: &str,
        at: Option<(f64, f64)>,
        region: &str,
    ) -> Value {
        let mut body = json!({"channel": "hotline", "caller_name": "李四",
            "caller_phone": "13912340000", "content": content,
            "region_unit_id": self.unit(region)});
        if let Some((lat, lon)) = at {
            body["latitude"] = json!(lat);
            body["longitude"] = json!(lon);
        }
        let (st, o) = who.post("/api/v1/work-orders", body).await;
        assert_eq!(st, StatusCode::CREATED, "{o}");
        o
    }

    async fn candidates(&self, who: &Session, o: &Value) -> (StatusCode, Value) {
        who.get(&format!(
            "/api/v1/work-orders/{}/duplicates",
            o["id"].as_str().unwrap()
        ))
        .await
    }
}

async fn second_report_finds_the_first(mut w: World) {
    let old = w.register(&w.operator, MANHOLE, Some(HERE), "comm_a").await;
    w.clock.advance(Duration::days(40));
    // Sessions expire meanwhile.
    w.operator = w.app.login("operator").await;
    w.dispatcher = w.app.login("dispatcher").await;
    let first = w.register(&w.operator, MANHOLE, Some(HERE), "comm_a").await;
    assert_eq!(
        ids(&first["duplicates"]),
        Vec::<String>::new(),
        "40 days is outside the window"
    );
    let unrelated = w
        .register(&w.operator, RUBBISH, Some((30.4601, 106.6301)), "comm_a")
        .await;
    let far = w
        .register(&w.operator, MANHOLE, Some((30.60, 106.63)), "comm_a")
        .await;
    let other_town = w.register(&w.operator, MANHOLE, None, "town_b").await;
    let unlocated = w.register(&w.operator, MANHOLE, None, "comm_a").await;
    w.clock.advance(Duration::hours(3));
    let second = w
        .register(
            &w.operator,
            MANHOLE_AGAIN,
            Some((30.4605, 106.6302)),
            "grid_a",
        )
        .await;
    let dups = &second["duplicates"];
    assert_eq!(
        ids(dups),
        vec![
            first["id"].as_str().unwrap(),
            unlocated["id"].as_str().unwrap()
        ],
        "not {old}, {unrelated}, {far} or {other_town}: {dups}"
    );
    let best = &dups[0];
    assert_eq!(best["basis"], "distance");
    let d = best["distance_m"].as_f64().unwrap();
    assert!((50.0..70.0).contains(&d), "{d}");
    assert_eq!(best["age_hours"], 3.0);
    let sim = best["similarity"].as_f64().unwrap();
    assert!((0.4..1.0).contains(&sim), "{sim}");
    let reason = best["reason"].as_str().unwrap();
    assert!(
        reason.contains("相距约 60 米") && reason.contains("比本件早 3 小时受理"),
        "{reason}"
    );
    assert_eq!(
        best["order"]["caller_phone"], "139****0000",
        "candidates mask contact data as lists do"
    );
    assert_eq!(dups[1]["basis"], "place");
    assert!(dups[1]["distance_m"].is_null());
    assert!(
        dups[1]["reason"].as_str().unwrap().contains("同在滨江社区"),
        "{}",
        dups[1]["reason"]
    );
    assert!(dups[1]["similarity"].as_f64().unwrap() >= 0.4);

    // The same list on request, for the first order too (the later report counts).
    let (st, again) = w.candidates(&w.dispatcher, &second).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ids(&again), ids(dups));
    let (st, back) = w.candidates(&w.operator, &first).await;
    assert_eq!(st, StatusCode::OK);
    let back = ids(&back);
    assert!(back.contains(&second["id"].as_str().unwrap().to_owned()));
    assert!(!back.contains(&far["id"].as_str().unwrap().to_owned()));

    // Merging the second report into the first: it closes and is proposed no more.
    let (st, m) = w
        .dispatcher
        .post(
            &format!(
                "/api/v1/work-orders/{}/merge",
                second["id"].as_str().unwrap()
            ),
            json!({"master_id": first["id"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(m["id"], first["id"]);
    assert_eq!(m["extra_callers"].as_array().unwrap().len(), 1);
    let (_, after) = w.candidates(&w.operator, &first).await;
    assert!(!ids(&after).contains(&second["id"].as_str().unwrap().to_owned()));
    let third = w
        .register(&w.operator, MANHOLE, Some((30.4602, 106.63)), "comm_a")
        .await;
    let third = ids(&third["duplicates"]);
    assert!(third.contains(&first["id"].as_str().unwrap().to_owned()));
    assert!(!third.contains(&second["id"].as_str().unwrap().to_owned()));
}

async fn other_towns_and_citizens_see_nothing(mut w: World) {
    w.app
        .user("operator_b", &[(Role::HotlineOperator, "town_b")])
        .await;
    let op_b = w.app.login("operator_b").await;
    let handler_b = w.app.login("handler_b").await;
    let citizen = w.app.login("citizen").await;
    let supervisor = w.app.login("supervisor").await;
    let a = w.register(&w.operator, MANHOLE, None, "town_a").await;
    let county = w.register(&w.operator, MANHOLE, None, "county").await;
    // Town B's operator registers the same text: the county-level order would match (no
    // finer place), but lies outside town B's jurisdiction; town A's is in another place.
    let b = w.register(&op_b, MANHOLE, None, "town_b").await;
    assert_eq!(ids(&b["duplicates"]), Vec::<String>::new());
    let (st, from_b) = w.candidates(&op_b, &b).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ids(&from_b), Vec::<String>::new());
    let (_, from_county) = w.candidates(&w.operator, &b).await;
    assert_eq!(ids(&from_county), vec![county["id"].as_str().unwrap()]);
    let (st, body) = w.candidates(&op_b, &a).await;
    assert_eq!(
        error_code(st, &body, StatusCode::NOT_FOUND),
        "work_order.not_found"
    );
    let (st, body) = w.candidates(&handler_b, &a).await;
    assert_eq!(
        error_code(st, &body, StatusCode::NOT_FOUND),
        "work_order.not_found"
    );
    let (st, body) = w.candidates(&citizen, &a).await;
    assert_eq!(
        error_code(st, &body, StatusCode::NOT_FOUND),
        "work_order.not_found"
    );
    // A county-level report without a finer place is compared with both towns' orders.
    let c = w.register(&w.operator, MANHOLE, None, "county").await;
    let mut seen = ids(&c["duplicates"]);
    seen.sort();
    let mut want: Vec<String> = [&a, &b, &county]
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    want.sort();
    assert_eq!(seen, want);
    assert!(
        c["duplicates"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("广安区（未定位到具体地点）")
    );
    let (st, _) = w.candidates(&supervisor, &a).await;
    assert_eq!(st, StatusCode::OK);
    // A citizen's own report: registered, no candidates, and no list on request.
    let (st, own) = citizen
        .post("/api/v1/work-orders", json!({"content": MANHOLE}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{own}");
    assert!(own["duplicates"].is_null(), "{own}");
    let (st, body) = w.candidates(&citizen, &own).await;
    assert_eq!(
        error_code(st, &body, StatusCode::FORBIDDEN),
        "auth.forbidden"
    );
    // A handler of the order's own town does not work from this list either.
    let handler_a = w.app.login("handler_a").await;
    let (st, body) = w.candidates(&handler_a, &a).await;
    assert_eq!(
        error_code(st, &body, StatusCode::FORBIDDEN),
        "auth.forbidden"
    );
}

async fn principal(s: &Orders, id: jiceng_kernel::ids::UserId) -> Principal {
    Principal::from(s.store.get_user(id).await.unwrap().unwrap())
}

/// Orders registered without sketches (before the feature) get them when the server fills
/// them in, and are found afterwards.
async fn missing_sketches_are_filled_in(w: World) {
    let plain = Orders {
        duplicates: None,
        ..w.app.orders.clone()
    };
    let op = principal(&plain, w.app.users["operator"]).await;
    let new = NewWorkOrder::parse(IntakeForm {
        content: MANHOLE,
        latitude: Some(HERE.0),
        longitude: Some(HERE.1),
        ..Default::default()
    })
    .unwrap();
    let before = plain.register_order(&op, new, None, None).await.unwrap();
    assert!(
        plain
            .store
            .get_sketch(w.app.county(), before.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(w.app.orders.backfill_sketches().await.unwrap(), 1);
    assert_eq!(w.app.orders.backfill_sketches().await.unwrap(), 0);
    let o = w.register(&w.operator, MANHOLE, Some(HERE), "county").await;
    assert_eq!(ids(&o["duplicates"]), vec![before.id.to_string()]);
}

async fn odd_input_never_fails_the_server(w: World) {
    let (st, body) = w
        .operator
        .post("/api/v1/work-orders", json!({"content": ""}))
        .await;
    error_code(st, &body, StatusCode::BAD_REQUEST);
    let (st, body) = w
        .operator
        .post(
            "/api/v1/work-orders",
            json!({"content": "井".repeat(100_000)}),
        )
        .await;
    assert!(st.is_client_error(), "{st}");
    assert!(body["code"].is_string(), "{body}");
    let emoji = "😀🚧🕳️".repeat(2000);
    let a = w.register(&w.operator, &emoji, Some(HERE), "comm_a").await;
    let b = w.register(&w.operator, &emoji, Some(HERE), "comm_a").await;
    assert_eq!(ids(&b["duplicates"]), vec![a["id"].as_str().unwrap()]);
    let tiny = w.register(&w.operator, "。", None, "comm_a").await;
    assert!(tiny["duplicates"].is_array());
    for path in [
        "/api/v1/work-orders/not-an-id/duplicates",
        "/api/v1/work-orders/00000000-0000-0000-0000-000000000000/duplicates",
    ] {
        let (st, body) = w.operator.get(path).await;
        assert!(st.is_client_error(), "{path}: {st}");
        assert!(body["code"].is_string() && body["message"].is_string());
    }
}

async fn openapi_lists_the_route(w: World) {
    let (st, doc) = w.operator.get("/api/v1/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    assert!(doc["paths"]["/api/v1/work-orders/{id}/duplicates"]["get"].is_object());
    assert!(doc["components"]["schemas"]["DuplicateView"].is_object());
    assert!(doc["components"]["schemas"]["RegisteredView"].is_object());
}

on_both!(
    second_report_finds_the_first,
    other_towns_and_citizens_see_nothing,
    missing_sketches_are_filled_in,
    odd_input_never_fails_the_server,
    openapi_lists_the_route
);
