//! Intake details and lists: idempotent registration, filters, keyset pages, citizens' own
//! orders and lookup, and bad intake input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{Backend, error_code, spawn, split};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn numbers(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn idempotent_intake_creates_once() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let op = app.login("operator").await;
    let send = || {
        op.client
            .post(app.url("/api/v1/work-orders"))
            .header("cookie", &op.cookie)
            .header("x-csrf-token", &op.csrf)
            .header("idempotency-key", "call-20261124-0001")
            .json(&json!({"content": "楼道灯坏了", "caller_phone": "13800003333"}))
            .send()
    };
    let (s1, a) = split(send().await.unwrap()).await;
    let (s2, b) = split(send().await.unwrap()).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(a["id"], b["id"]);
    assert_eq!(app.order_count().await, 1);
    assert_eq!(
        a["channel"], "hotline",
        "an operator's intake is a hotline call unless said otherwise"
    );
    let grid = app.login("gridworker").await;
    let (st, g) = grid
        .post(
            "/api/v1/work-orders",
            json!({"content": "巡查发现占道经营", "region_unit_id": app.units["grid_a"].id}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    assert_eq!(g["channel"], "grid_patrol");
    assert_eq!(g["region"]["unit_name"], "滨江社区第1网格");
    let (st, _) = grid
        .post(
            "/api/v1/work-orders",
            json!({"content": "别处的事", "region_unit_id": app.units["town_b"].id}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "a grid worker reports within the grid"
    );
    // The same key from another user is another request.
    let other = app.login("dispatcher").await;
    let (st, c) = split(
        other
            .client
            .post(app.url("/api/v1/work-orders"))
            .header("cookie", &other.cookie)
            .header("x-csrf-token", &other.csrf)
            .header("idempotency-key", "call-20261124-0001")
            .json(&json!({"content": "另一件事"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    assert_ne!(c["id"], a["id"]);
    assert_ne!(
        c["number"], a["number"],
        "numbers come from the day's counter"
    );
}

#[tokio::test]
async fn filters_and_keyset_pages() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let op = app.login("operator").await;
    let disp = app.login("dispatcher").await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let (st, o) = op
            .post(
                "/api/v1/work-orders",
                json!({"content": format!("第{i}号诉求：{}", if i % 2 == 0 { "噪音扰民" } else { "道路破损" }),
                       "caller_name": "钱七", "caller_phone": "13800006666",
                       "category": if i % 2 == 0 { "环境保护" } else { "交通运输" },
                       "channel": if i < 3 { "web" } else { "hotline" }}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
        ids.push(o["id"].as_str().unwrap().to_owned());
    }
    let first = ids[0].clone();
    disp.post(
        &format!("/api/v1/work-orders/{first}/dispatch"),
        json!({"lead_unit_id": app.units["dept"].id}),
    )
    .await;

    let (_, all) = disp.get("/api/v1/work-orders?limit=3").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let mut seen = numbers(&all);
    let mut next = all["next"].as_str().map(str::to_owned);
    while let Some(c) = next {
        let (_, p) = disp
            .get(&format!("/api/v1/work-orders?limit=3&before={c}"))
            .await;
        seen.extend(numbers(&p));
        next = p["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 7, "pages cover every order once: {seen:?}");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted, "newest first");

    let count = |q: &'static str| {
        let d = disp.clone();
        async move {
            let (st, p) = d.get(&format!("/api/v1/work-orders?{q}")).await;
            assert_eq!(st, StatusCode::OK, "{q}: {p}");
            p["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(
        count("category=%E7%8E%AF%E5%A2%83%E4%BF%9D%E6%8A%A4").await,
        4
    );
    assert_eq!(count("channel=web").await, 3);
    assert_eq!(count("status=dispatched").await, 1);
    assert_eq!(count("status=registered,dispatched").await, 7);
    assert_eq!(
        count(Box::leak(
            format!("unit={}", app.units["dept"].id).into_boxed_str()
        ))
        .await,
        1
    );
    assert_eq!(count("q=%E9%81%93%E8%B7%AF").await, 3);
    assert_eq!(
        count("from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z").await,
        0
    );
    assert_eq!(count("overdue=true").await, 0);
    let (st, b) = disp.get("/api/v1/work-orders?status=flying").await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "request.invalid_query"
    );

    // Inbox pages follow their cursor to the end: 6 of the 7 orders still wait for dispatch.
    let mut queued = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/work-orders/inbox/to_dispatch?limit=2&before={c}"),
            None => "/api/v1/work-orders/inbox/to_dispatch?limit=2".to_owned(),
        };
        let (st, p) = disp.get(&path).await;
        assert_eq!(st, StatusCode::OK, "{p}");
        queued += p["items"].as_array().unwrap().len();
        match p["next"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(queued, 6);
    // A unit sees only what was dispatched to it.
    let h = app.login("dept_handler").await;
    let (_, mine) = h.get("/api/v1/work-orders").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let outsider = app.login("handler_b").await;
    let (_, none) = outsider.get("/api/v1/work-orders").await;
    assert!(none["items"].as_array().unwrap().is_empty());
    // Contact data is masked for a supervisor, shown to the dispatcher.
    let sup = app.login("supervisor").await;
    let (_, o) = sup.get(&format!("/api/v1/work-orders/{first}")).await;
    assert_eq!(o["caller_phone"], "138****6666");
    assert_eq!(o["caller_name"], "钱*");
    assert_eq!(o["contact_masked"], true);
    assert!(
        o["available_actions"].as_array().unwrap().is_empty(),
        "a supervisor only watches here"
    );
    let (_, o) = disp.get(&format!("/api/v1/work-orders/{first}")).await;
    assert_eq!(o["caller_phone"], "13800006666");
}

#[tokio::test]
async fn citizens_file_see_their_own_and_look_up_by_phone() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let citizen = app.login("citizen").await;
    let (st, mine) = citizen
        .post(
            "/api/v1/work-orders",
            json!({"channel": "hotline", "caller_name": "赵六", "caller_phone": "13600004444",
                                             "content": "小区垃圾清运不及时"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(
        mine["channel"], "web",
        "citizens file through the web or the app"
    );
    assert_eq!(
        mine["caller_phone"], "13600004444",
        "their own data is not masked for them"
    );
    let op = app.login("operator").await;
    let (_, theirs) = op
        .post(
            "/api/v1/work-orders",
            json!({"content": "别人的诉求", "caller_phone": "13500005555"}),
        )
        .await;
    let (_, list) = citizen.get("/api/v1/work-orders").await;
    assert_eq!(
        numbers(&list),
        vec![mine["number"].as_str().unwrap().to_owned()]
    );
    let (st, _) = citizen
        .get(&format!(
            "/api/v1/work-orders/{}",
            theirs["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, b) = citizen
        .post(
            &format!(
                "/api/v1/work-orders/{}/dispatch",
                mine["id"].as_str().unwrap()
            ),
            json!({"lead_unit_id": app.units["dept"].id}),
        )
        .await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.forbidden");
    let (st, b) = citizen.get("/api/v1/work-orders/inbox/to_dispatch").await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.forbidden");

    let number = mine["number"].as_str().unwrap();
    let code = mine["tracking_code"].as_str().unwrap();
    let lookup = |n: String, phone: &str| {
        app.client
            .get(app.url(&format!(
                "/api/v1/public/work-orders/{n}?phone={phone}&code={code}"
            )))
            .send()
    };
    let (st, v) = split(lookup(number.to_owned(), "13600004444").await.unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["status_label"], "待派单");
    assert!(
        v.get("caller_phone").is_none() && v.get("content").is_none(),
        "the lookup shows no personal data: {v}"
    );
    let (s1, b1) = split(lookup(number.to_owned(), "13600009999").await.unwrap()).await;
    let (s2, b2) = split(
        lookup("JC20990101000001".to_owned(), "13600004444")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(s1, &b1, StatusCode::NOT_FOUND),
        "work_order.not_found"
    );
    assert_eq!(
        (s1, b1),
        (s2, b2),
        "a wrong phone looks exactly like a wrong number"
    );
}

#[tokio::test]
async fn bad_intake_is_refused_and_writes_nothing() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let op = app.login("operator").await;
    let cases = [
        (json!({"content": ""}), "work_order.invalid_field"),
        (json!({"content": "   \n  "}), "work_order.invalid_field"),
        (
            json!({"content": "字".repeat(10_001)}),
            "work_order.invalid_field",
        ),
        (
            json!({"content": "井盖", "latitude": 95.0, "longitude": 106.6}),
            "work_order.invalid_field",
        ),
        (
            json!({"content": "井盖", "latitude": 30.4}),
            "work_order.invalid_field",
        ),
        (
            json!({"content": "井盖", "caller_phone": "not a phone"}),
            "work_order.invalid_field",
        ),
        (
            json!({"content": "井盖", "wants_callback": true}),
            "work_order.invalid_field",
        ),
        (
            json!({"content": "井盖", "region_unit_id": uuid::Uuid::now_v7()}),
            "org_unit.not_found",
        ),
    ];
    for (body, code) in cases {
        let (st, b) = op.post("/api/v1/work-orders", body.clone()).await;
        assert!(st.is_client_error(), "{body}: {st}");
        assert_eq!(error_code(st, &b, st), code, "{body}");
    }
    let (st, b) = op
        .post(
            "/api/v1/work-orders",
            json!({"content": "字".repeat(60_000)}),
        )
        .await;
    assert_eq!(
        error_code(st, &b, StatusCode::PAYLOAD_TOO_LARGE),
        "request.too_large",
        "100 KB of text is over the body limit"
    );
    assert_eq!(app.order_count().await, 0);
    // Emoji, mixed scripts and line breaks are content like any other.
    let (st, o) = op
        .post(
            "/api/v1/work-orders",
            json!({"content": "路灯坏了😡\nStreet light broken\tد"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{o}");
    assert!(o["content"].as_str().unwrap().contains('😡'));
    let (st, b) = op
        .post("/api/v1/work-orders/not-an-id/accept", json!({}))
        .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "request.invalid_id"
    );
    let (st, b) = op
        .post(
            &format!("/api/v1/work-orders/{}/fly", o["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "request.invalid_id"
    );
    let (st, b) = op
        .post(
            &format!("/api/v1/work-orders/{}/note", o["id"].as_str().unwrap()),
            json!({"txt": 1}),
        )
        .await;
    assert_eq!(
        error_code(st, &b, StatusCode::UNPROCESSABLE_ENTITY),
        "request.invalid_body"
    );
}
