//! Input that used to slip through or end in a 500: repeated co-units, idempotency keys raced
//! or reused with another body, categories outside the taxonomy, endless extensions, outlines
//! off the globe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{Backend, Session, TestApp, error_code, spawn, split};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn register(op: &Session, body: Value) -> Value {
    let (st, o) = op.post("/api/v1/work-orders", body).await;
    assert_eq!(st, StatusCode::CREATED, "{o}");
    o
}

fn order_path(o: &Value, action: &str) -> String {
    format!("/api/v1/work-orders/{}/{action}", o["id"].as_str().unwrap())
}

/// A co-unit named twice, or the lead unit among its own co-units, is a 400 and changes nothing.
async fn repeated_co_units_are_refused(app: &mut TestApp) {
    let op = app.login("operator").await;
    let disp = app.login("dispatcher").await;
    let o = register(
        &op,
        json!({"content": "井盖缺失", "caller_phone": "13800001234"}),
    )
    .await;
    let dept2 = app.units["dept2"].id;
    for co in [json!([dept2, dept2]), json!([app.units["dept"].id])] {
        let (st, b) = disp
            .post(
                &order_path(&o, "dispatch"),
                json!({"lead_unit_id": app.units["dept"].id, "co_unit_ids": co}),
            )
            .await;
        assert_eq!(
            error_code(st, &b, StatusCode::BAD_REQUEST),
            "work_order.invalid_co_unit"
        );
    }
    let (_, now) = disp
        .get(&format!(
            "/api/v1/work-orders/{}",
            o["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(now["status"], "registered");
    assert_eq!(now["version"], o["version"]);
}

async fn send_with_key(app: &TestApp, op: &Session, key: &str, body: Value) -> (StatusCode, Value) {
    split(
        op.client
            .post(app.url("/api/v1/work-orders"))
            .header("cookie", &op.cookie)
            .header("x-csrf-token", &op.csrf)
            .header("idempotency-key", key)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Eight simultaneous registrations with one key: one order, one 201, seven 200.
async fn raced_idempotency_key_creates_once(app: &mut TestApp) {
    let op = app.login("operator").await;
    let body = json!({"content": "楼道灯坏了", "caller_phone": "13800003333"});
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (op, body, url) = (op.clone(), body.clone(), app.url("/api/v1/work-orders"));
        tasks.push(tokio::spawn(async move {
            let r = op
                .client
                .post(url)
                .header("cookie", &op.cookie)
                .header("x-csrf-token", &op.csrf)
                .header("idempotency-key", "call-race-0001")
                .json(&body)
                .send()
                .await
                .unwrap();
            split(r).await
        }));
    }
    let mut statuses = Vec::new();
    let mut ids = Vec::new();
    for t in tasks {
        let (st, v) = t.await.unwrap();
        statuses.push(st);
        ids.push(v["id"].clone());
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let replayed = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!((created, replayed), (1, 7), "{statuses:?}");
    assert!(ids.iter().all(|i| *i == ids[0]));
    assert_eq!(app.order_count().await, 1);
}

/// The same key with another body is refused with 422, not answered with the first order.
async fn reused_idempotency_key_is_refused(app: &mut TestApp) {
    let op = app.login("operator").await;
    let first = json!({"content": "楼道灯坏了", "caller_phone": "13800003333"});
    let (s1, _) = send_with_key(app, &op, "call-0002", first.clone()).await;
    let (s2, _) = send_with_key(app, &op, "call-0002", first).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    let (st, b) = send_with_key(
        app,
        &op,
        "call-0002",
        json!({"content": "另一件事：路面塌陷", "caller_phone": "13800003333"}),
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::UNPROCESSABLE_ENTITY),
        "idempotency.key_reused"
    );
    assert_eq!(app.order_count().await, 1);
}

/// A category outside the taxonomy is a 400; a known one and none at all are fine.
async fn unknown_category_is_refused(app: &mut TestApp) {
    let op = app.login("operator").await;
    let (st, b) = op
        .post(
            "/api/v1/work-orders",
            json!({"content": "路灯不亮", "category": "不存在的分类"}),
        )
        .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "work_order.unknown_category"
    );
    assert_eq!(app.order_count().await, 0);
    register(&op, json!({"content": "路灯不亮", "category": "城乡建设"})).await;
    register(&op, json!({"content": "路灯不亮"})).await;
}

/// An extension to the end of time, or into the past, is a 400.
async fn endless_extension_is_refused(app: &mut TestApp) {
    let op = app.login("operator").await;
    let disp = app.login("dispatcher").await;
    let handler = app.login("dept_handler").await;
    let o = register(
        &op,
        json!({"content": "井盖缺失", "caller_phone": "13800001234"}),
    )
    .await;
    let (st, o) = disp
        .post(
            &order_path(&o, "dispatch"),
            json!({"lead_unit_id": app.units["dept"].id}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{o}");
    let (st, o) = handler.post(&order_path(&o, "accept"), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{o}");
    for due in ["9999-12-31T00:00:00Z", "2001-01-01T00:00:00Z"] {
        let (st, b) = handler
            .post(
                &order_path(&o, "extension-request"),
                json!({"reason": "需要协调", "new_due": due}),
            )
            .await;
        assert_eq!(
            error_code(st, &b, StatusCode::BAD_REQUEST),
            "work_order.invalid_extension",
            "{due}"
        );
    }
    let due = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let (st, b) = handler
        .post(
            &order_path(&o, "extension-request"),
            json!({"reason": "需要协调", "new_due": due}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

on_both_apps!(
    repeated_co_units_are_refused,
    raced_idempotency_key_creates_once,
    reused_idempotency_key_is_refused,
    unknown_category_is_refused,
    endless_extension_is_refused,
);

#[tokio::test]
async fn outlines_off_the_globe_are_refused() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let admin = app.login("admin").await;
    let community = app.units["comm_a"].id;
    let ring = |x: f64, y: f64| json!({"type": "Polygon", "coordinates": [[[106.6, 30.4], [x, y], [106.7, 30.5], [106.6, 30.4]]]});
    for g in [ring(1e308, 30.4), ring(106.7, 91.0), ring(-181.0, 30.0)] {
        let (st, b) = admin
            .post(
                "/api/v1/org-units",
                json!({"parent_id": community, "kind": "grid", "name": "格", "geometry": g}),
            )
            .await;
        assert_eq!(
            error_code(st, &b, StatusCode::BAD_REQUEST),
            "org_unit.invalid_geometry",
            "{g}"
        );
        let (st, b) = admin
            .call(
                reqwest::Method::PATCH,
                &format!("/api/v1/org-units/{}", app.units["grid_a"].id),
                Some(json!({"geometry": g})),
            )
            .await;
        assert_eq!(
            error_code(st, &b, StatusCode::BAD_REQUEST),
            "org_unit.invalid_geometry"
        );
    }
    let (st, b) = admin
        .post(
            "/api/v1/org-units",
            json!({"parent_id": community, "kind": "grid", "name": "格", "geometry": ring(106.7, 30.4)}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
}
