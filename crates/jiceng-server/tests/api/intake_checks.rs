//! What the intake form and the order list ask besides registering: the draft check while
//! typing (categories and the duplicate of an order just registered, nothing stored, the
//! registration's field errors, 403 without the permission), the caller's earlier orders by
//! phone (only theirs, newest first, in full for an operator, each read recorded, 400 on a bad
//! number, 403 without the permission), and the list as an Excel workbook (the filtered rows,
//! phones masked as in the list, 403 for a citizen).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use common::{Backend, Session, TestApp, error_code, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Cursor;

const MANHOLE: &str = "滨江路人行道上的井盖缺失，晚上很危险，已经有老人差点摔倒，请尽快处理。";
const MANHOLE_AGAIN: &str =
    "滨江路人行道上的井盖缺失，晚上很危险，已经有老人差点摔倒，请尽快处理！我前天也看到了。";
const RUBBISH: &str = "小区门口的垃圾桶满了三天没人清运，臭气熏天，蚊蝇很多。";
const HERE: (f64, f64) = (30.46, 106.63);
const PHONE: &str = "13955550001";
const OTHER: &str = "13955550002";
const LANDLINE: &str = "0826-2345678";

async fn register(
    s: &Session,
    app: &TestApp,
    phone: &str,
    content: &str,
    town: &str,
    at: Option<(f64, f64)>,
) -> Value {
    let mut body = json!({"channel": "hotline", "caller_name": "欧阳明月", "caller_phone": phone,
        "content": content, "region_unit_id": app.units[town].id});
    if let Some((lat, lon)) = at {
        body["latitude"] = json!(lat);
        body["longitude"] = json!(lon);
    }
    let (st, o) = s.post("/api/v1/work-orders", body).await;
    assert_eq!(st, StatusCode::CREATED, "{o}");
    o
}

fn id(o: &Value) -> String {
    o["id"].as_str().unwrap().to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(id)
        .collect()
}

async fn preview_finds_the_duplicate_and_stores_nothing(app: &mut TestApp) {
    let op = app.login("operator").await;
    let first = register(&op, app, PHONE, MANHOLE, "town_a", Some(HERE)).await;
    let before = app.order_count().await;
    let draft = json!({"content": MANHOLE_AGAIN, "latitude": HERE.0, "longitude": HERE.1,
        "region_unit_id": app.units["town_a"].id});
    let (st, p) = op.post("/api/v1/work-orders/preview", draft.clone()).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    let cats = p["categories"].as_array().unwrap();
    assert!((1..=3).contains(&cats.len()), "{p}");
    assert!(!cats[0]["label"].as_str().unwrap().is_empty());
    let p0 = cats[0]["probability"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p0), "{p}");
    let dups = p["duplicates"].as_array().unwrap_or_else(|| panic!("{p}"));
    let found: Vec<String> = dups.iter().map(|d| id(&d["order"])).collect();
    assert_eq!(found, vec![id(&first)], "{p}");
    assert_eq!(dups[0]["basis"], "distance");
    // Lists mask contact data, and so do candidates.
    assert_eq!(dups[0]["order"]["caller_phone"], "139****0001");
    assert_eq!(app.order_count().await, before, "a preview stores no order");

    // Other text: no candidate, categories all the same.
    let (st, p) = op
        .post(
            "/api/v1/work-orders/preview",
            json!({"content": RUBBISH, "latitude": HERE.0, "longitude": HERE.1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["duplicates"], json!([]), "{p}");
    assert!(!p["categories"].as_array().unwrap().is_empty());

    // A grid worker registers but does not see candidates, as at registration.
    let grid = app.login("gridworker").await;
    let (st, p) = grid
        .post(
            "/api/v1/work-orders/preview",
            json!({"content": MANHOLE_AGAIN, "latitude": HERE.0, "longitude": HERE.1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert!(p["duplicates"].is_null(), "{p}");

    // A unit's handler does not register.
    let handler = app.login("handler_a").await;
    let (st, e) = handler.post("/api/v1/work-orders/preview", draft).await;
    assert_eq!(error_code(st, &e, StatusCode::FORBIDDEN), "auth.forbidden");

    // The registration's field checks, with its codes.
    for content in [String::from("   "), "字".repeat(10_001)] {
        let (st, e) = op
            .post("/api/v1/work-orders/preview", json!({"content": content}))
            .await;
        assert_eq!(
            error_code(st, &e, StatusCode::BAD_REQUEST),
            "work_order.invalid_field"
        );
    }
    let (st, e) = op
        .post(
            "/api/v1/work-orders/preview",
            json!({"content": MANHOLE, "latitude": 30.0}),
        )
        .await;
    assert_eq!(
        error_code(st, &e, StatusCode::BAD_REQUEST),
        "work_order.invalid_field"
    );
    let (st, e) = op
        .post("/api/v1/work-orders/preview", json!({"title": "无内容"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        app.order_count().await,
        before,
        "a refused preview stores nothing"
    );
}

async fn by_phone_finds_the_callers_orders(app: &mut TestApp) {
    let op = app.login("operator").await;
    let a = register(&op, app, PHONE, MANHOLE, "town_a", None).await;
    let b = register(&op, app, PHONE, RUBBISH, "town_b", None).await;
    // Another caller's order that only mentions the phone in its text.
    let other = register(
        &op,
        app,
        OTHER,
        &format!("邻居家的电话是 {PHONE}，噪音扰民。"),
        "town_a",
        None,
    )
    .await;
    let land = register(&op, app, LANDLINE, "路灯不亮。", "town_a", None).await;

    let (st, list) = op
        .get(&format!("/api/v1/work-orders/by-phone?phone={PHONE}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(
        ids(&list),
        vec![id(&b), id(&a)],
        "newest first, only the caller's"
    );
    for o in list.as_array().unwrap() {
        assert_eq!(o["caller_phone"], PHONE, "an operator sees it in full");
        assert_eq!(o["caller_name"], "欧阳明月");
        assert_eq!(o["contact_masked"], false);
    }
    // Each order answered is recorded as a read of its contact data.
    for o in [&a, &b] {
        let reads = app
            .audit_for_object(&format!("work_order:{}", id(o)))
            .await
            .into_iter()
            .filter(|e| e.action == "personal_data.read")
            .count();
        assert_eq!(reads, 1, "{}", id(o));
    }
    let unread = app
        .audit_for_object(&format!("work_order:{}", id(&other)))
        .await
        .into_iter()
        .filter(|e| e.action == "personal_data.read")
        .count();
    assert_eq!(unread, 0);

    let (st, one) = op
        .get(&format!(
            "/api/v1/work-orders/by-phone?phone={PHONE}&limit=1"
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{one}");
    assert_eq!(ids(&one), vec![id(&b)]);

    // A landline with its area code, written another way.
    let (st, list) = op
        .get("/api/v1/work-orders/by-phone?phone=0826%202345678")
        .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(ids(&list), vec![id(&land)]);

    // A town's handler sees only the town's.
    let handler_b = app.login("handler_b").await;
    let (st, list) = handler_b
        .get(&format!("/api/v1/work-orders/by-phone?phone={PHONE}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(ids(&list), vec![id(&b)]);

    for bad in ["12345", "23955550001", "139555500011", "abc", ""] {
        let (st, e) = op
            .get(&format!("/api/v1/work-orders/by-phone?phone={bad}"))
            .await;
        assert_eq!(
            error_code(st, &e, StatusCode::BAD_REQUEST),
            "user.invalid_phone",
            "{bad}"
        );
    }
    let supervisor = app.login("supervisor").await;
    let (st, e) = supervisor
        .get(&format!("/api/v1/work-orders/by-phone?phone={PHONE}"))
        .await;
    assert_eq!(error_code(st, &e, StatusCode::FORBIDDEN), "auth.forbidden");
}

async fn download(s: &Session, query: &str) -> (StatusCode, String, String, Vec<u8>) {
    let resp = s
        .client
        .get(format!("{}/api/v1/work-orders/export{query}", s.base))
        .header("cookie", &s.cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (status, ct, cd, resp.bytes().await.unwrap().to_vec())
}

fn sheet_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("工单").unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

async fn export_has_the_filtered_rows_masked(app: &mut TestApp) {
    let op = app.login("operator").await;
    let a = register(&op, app, PHONE, MANHOLE, "town_a", None).await;
    let b = register(
        &op,
        app,
        OTHER,
        "官盛镇路口井盖松动，车辆经过响声很大。",
        "town_b",
        None,
    )
    .await;
    register(&op, app, PHONE, RUBBISH, "town_a", None).await;

    let supervisor = app.login("supervisor").await;
    let (st, ct, cd, bytes) = download(&supervisor, "?q=%E4%BA%95%E7%9B%96").await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(
        ct,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        cd.starts_with("attachment;") && cd.contains(".xlsx"),
        "{cd}"
    );
    let rows = sheet_rows(bytes);
    assert_eq!(
        rows[0],
        [
            "工单编号",
            "标题",
            "分类",
            "状态",
            "属地",
            "主办单位",
            "受理时间",
            "办理时限",
            "时限状态",
            "来电人",
            "电话"
        ]
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    // Newest first, as the list.
    assert_eq!(rows[1][0], b["number"].as_str().unwrap());
    assert_eq!(rows[2][0], a["number"].as_str().unwrap());
    assert_eq!(rows[1][4], "官盛镇");
    assert_eq!(rows[2][4], "浓洄街道");
    assert_eq!(rows[2][3], "待派单");
    assert_eq!(rows[2][9], "欧***");
    assert_eq!(rows[2][10], "139****0001");
    assert_eq!(rows[1][10], "139****0002");
    // Registered at 受理时间 in Beijing time: `YYYY-MM-DD HH:MM`.
    let created: chrono::DateTime<chrono::Utc> = a["created_at"].as_str().unwrap().parse().unwrap();
    let local = created.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    assert_eq!(rows[2][6], local.format("%Y-%m-%d %H:%M").to_string());

    // The same masking for the operator: the list masks, so does its export.
    let (st, _, _, bytes) = download(&op, "?status=registered").await;
    assert_eq!(st, StatusCode::OK);
    let rows = sheet_rows(bytes);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows[1..].iter().all(|r| r[10].contains('*')), "{rows:?}");

    // The list's filter errors, and no export for a citizen.
    let (st, _, _, body) = download(&op, "?status=nonsense").await;
    let e: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        error_code(st, &e, StatusCode::BAD_REQUEST),
        "request.invalid_query"
    );
    let citizen = app.login("citizen").await;
    let (st, _, _, body) = download(&citizen, "").await;
    let e: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error_code(st, &e, StatusCode::FORBIDDEN), "auth.forbidden");
}

on_both_apps!(
    preview_finds_the_duplicate_and_stores_nothing,
    by_phone_finds_the_callers_orders,
    export_has_the_filtered_rows_masked,
);
