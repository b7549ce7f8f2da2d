//! The classifier learns from its users, over HTTP on both backends: dispatchers' corrections
//! (with role and jurisdiction checks), retraining from archived orders plus corrections, the
//! refusal of a clearly worse model, activation without a restart, rollback, and a model
//! activated by another process picked up by the running server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, Session, TestApp, error_code, spawn};
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::user::Role;
use jiceng_orders::effects::Effects;
use jiceng_orders::learning::{ModelId, ModelRef};
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Assignee, NewWorkOrder, Status};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// Real labelled messages (the shipped model's training data, beside the checkout).
fn messages() -> Vec<jiceng_nlp::Example> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gov-messages/train.csv");
    jiceng_nlp::data::read_examples(&path).unwrap()
}

/// The first `per_label` messages of each category.
fn sample(per_label: usize) -> Vec<jiceng_nlp::Example> {
    let mut taken = std::collections::HashMap::<String, usize>::new();
    messages()
        .into_iter()
        .filter(|m| {
            let n = taken.entry(m.label.clone()).or_default();
            *n += 1;
            *n <= per_label
        })
        .collect()
}

/// Archived orders of the county with these categories, stored directly: the loop that
/// archives an order is tested elsewhere; here only its outcome matters.
async fn archive(app: &TestApp, examples: &[jiceng_nlp::Example]) {
    let county = &app.units["county"];
    let region = Assignee {
        unit_id: county.id,
        unit_name: county.name.clone(),
        unit_path: county.path.clone(),
    };
    for (i, e) in examples.iter().enumerate() {
        let title: String = e.title.chars().take(100).collect();
        let content: String = e.text.chars().take(2000).collect();
        let new = NewWorkOrder::parse(IntakeForm {
            title: Some(&title).filter(|t| !t.is_empty()).map(String::as_str),
            content: &content,
            category: Some(&e.label),
            ..Default::default()
        })
        .unwrap();
        let at = chrono::Utc::now();
        let (mut o, h) = new.into_order(
            OrderId::new_at(at),
            String::new(),
            region.clone(),
            app.users["operator"],
            "operator",
            at,
        );
        o.status = Status::Archived;
        app.orders
            .store
            .commit(Effects::new(o.created_at).new_order(
                o.clone(),
                vec![h.clone()],
                format!("JC2026{i:04}"),
            ))
            .await
            .unwrap();
    }
}

/// Shared bikes are the transport bureau's matter here; the built-in model files them under
/// urban construction (城乡建设). Dispatchers correct these.
const BIKES: [&str; 16] = [
    "小区门口共享单车乱停乱放，堵塞通道，请处理",
    "地铁站出口共享单车堆积如山，行人无法通行",
    "共享单车被扔进绿化带，希望企业及时清理",
    "学校门口共享单车占用人行道，孩子上学很危险",
    "共享单车押金一直退不回来，客服电话打不通",
    "马路边共享单车倒了一大片，没人管理",
    "共享单车停放点设置不合理，建议增加停放区域",
    "公交站台被共享单车挤满，乘客无法候车",
    "共享单车损坏严重，刹车失灵，存在安全隐患",
    "商场门前共享单车无序停放，影响消防通道",
    "希望规范共享单车投放数量，街道上太多了",
    "共享单车骑行收费标准不透明，多扣了钱",
    "医院门口共享单车乱停，救护车进出困难",
    "共享单车占用盲道，视障人士出行不便",
    "老旧小区内共享单车随意停放，居民出行受阻",
    "夜间共享单车调度车辆噪音大，影响休息",
];

/// A shared-bike demand not among the corrected ones: what the server's model says of it.
const PROBE: &str = "菜市场门口的共享单车停得到处都是，请相关部门管一管";

async fn register(s: &Session, text: &str) -> String {
    let (st, b) = s
        .post("/api/v1/work-orders", json!({"content": text}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    b["id"].as_str().unwrap().to_owned()
}

async fn correct(s: &Session, order: &str, category: &str) -> (StatusCode, Value) {
    s.post(
        &format!("/api/v1/work-orders/{order}/category-correction"),
        json!({"category": category}),
    )
    .await
}

/// What the server's classifier says of the probe order, and which model said it: the
/// correction's answer reports both.
async fn probe(dispatcher: &Session, order: &str) -> (String, String) {
    let (st, b) = correct(dispatcher, order, "交通运输").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    (
        b["predicted"].as_str().unwrap().to_owned(),
        b["model"].as_str().unwrap().to_owned(),
    )
}

async fn corrections_are_checked_and_kept(app: &mut TestApp) {
    app.user("dispatcher_b", &[(Role::Dispatcher, "town_b")])
        .await;
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let order = register(&operator, BIKES[0]).await;
    let (_, o) = dispatcher
        .get(&format!("/api/v1/work-orders/{order}"))
        .await;
    let registered_as = o["category"].clone();

    let (st, b) = correct(&dispatcher, &order, "交通运输").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["predicted"], "城乡建设", "the built-in model's answer");
    assert_eq!(b["model"], "default");
    assert_eq!(b["category"], "交通运输");
    // Latest wins; a finer code and full-width separators are accepted.
    let (st, b) = correct(&dispatcher, &order, " 城乡建设 ／城乡规划").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["category"], "城乡建设/城乡规划");
    let id = OrderId::parse(&order).unwrap();
    let stored = app
        .orders
        .store
        .get_correction(app.county(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.corrected, "城乡建设/城乡规划");

    let handler = app.login("handler_a").await;
    let (st, b) = correct(&handler, &order, "交通运输").await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.forbidden");
    let other = app.login("dispatcher_b").await;
    let (st, b) = correct(&other, &order, "交通运输").await;
    assert_eq!(
        error_code(st, &b, StatusCode::NOT_FOUND),
        "work_order.not_found"
    );
    for bad in ["", "共享单车", "交通运输/不存在的类", &"长".repeat(300)] {
        let (st, b) = correct(&dispatcher, &order, bad).await;
        let code = error_code(st, &b, StatusCode::BAD_REQUEST);
        assert_eq!(code, "model.unknown_category", "{bad}");
        assert!(b["message"].as_str().unwrap().contains("交通运输"), "{b}");
    }
    let missing = OrderId::new_at(chrono::Utc::now());
    let (st, b) = correct(&dispatcher, &missing.to_string(), "交通运输").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{b}");
    let (st, b) = dispatcher
        .post(
            &format!("/api/v1/work-orders/{order}/category-correction"),
            json!({"label": "交通运输"}),
        )
        .await;
    assert!(st.is_client_error(), "{st} {b}");
    let (st, _) = dispatcher
        .without_csrf()
        .post(
            &format!("/api/v1/work-orders/{order}/category-correction"),
            json!({"category": "交通运输"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let stored = app
        .orders
        .store
        .get_correction(app.county(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.corrected, "城乡建设/城乡规划",
        "refused requests changed nothing"
    );
    // The open order itself is under the corrected category, each change in its history.
    let (st, o) = dispatcher
        .get(&format!("/api/v1/work-orders/{order}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{o}");
    assert_eq!(o["category"], "城乡建设/城乡规划", "{o}");
    let (st, h) = dispatcher
        .get(&format!("/api/v1/work-orders/{order}/history"))
        .await;
    assert_eq!(st, StatusCode::OK, "{h}");
    let changes: Vec<(Value, Value)> = h
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "recategorize")
        .map(|e| (e["payload"]["from"].clone(), e["payload"]["to"].clone()))
        .collect();
    assert_eq!(
        changes,
        vec![
            (registered_as, json!("交通运输")),
            (json!("交通运输"), json!("城乡建设/城乡规划")),
        ],
        "{h}"
    );
    // The same category again: kept as an example, no new history entry.
    let (st, b) = correct(&dispatcher, &order, "城乡建设/城乡规划").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, h2) = dispatcher
        .get(&format!("/api/v1/work-orders/{order}/history"))
        .await;
    assert_eq!(h2.as_array().unwrap().len(), h.as_array().unwrap().len());
    let trail = app.audit_for_object(&format!("work_order:{order}")).await;
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.action == "model.correction")
            .count(),
        3,
        "the three accepted corrections"
    );
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.action == "work_order.recategorize")
            .count(),
        2,
        "the two changes of category"
    );
}

async fn retraining_learns_the_corrections(app: &mut TestApp) {
    archive(app, &sample(25)).await;
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let admin = app.login("admin").await;
    for text in BIKES {
        let order = register(&operator, text).await;
        let (st, b) = correct(&dispatcher, &order, "交通运输").await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
    let probe_order = register(&operator, PROBE).await;
    assert_eq!(
        probe(&dispatcher, &probe_order).await,
        ("城乡建设".to_owned(), "default".to_owned())
    );

    for who in ["dispatcher", "admin_a", "supervisor"] {
        let s = app.login(who).await;
        let (st, b) = s.post("/api/v1/models/retrain", json!({})).await;
        assert_eq!(
            error_code(st, &b, StatusCode::FORBIDDEN),
            "auth.forbidden",
            "{who}"
        );
        let (st, _) = s.get("/api/v1/models").await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}");
        let (st, _) = s.post("/api/v1/models/default/activate", json!({})).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}");
    }

    // The built-in model was trained on these very messages, so on the held-out ones it
    // scores far above a model trained on 200 orders: the new one is kept but not used.
    let (st, refused) = admin.post("/api/v1/models/retrain", json!({})).await;
    assert_eq!(st, StatusCode::CREATED, "{refused}");
    assert_eq!(refused["activated"], false);
    let m = &refused["model"];
    assert_eq!(m["archived_orders"], 175);
    assert_eq!(m["corrections"], 17, "16 corrected orders and the probe");
    assert_eq!(m["holdout"], 35);
    assert_eq!(m["baseline_model"], "default");
    assert!(m["baseline_f1"].as_f64().unwrap() > m["macro_f1"].as_f64().unwrap() + 0.02);
    assert!(
        refused["refusal"].as_str().unwrap().contains("F1"),
        "{refused}"
    );
    assert_eq!(
        probe(&dispatcher, &probe_order).await.1,
        "default",
        "not swapped"
    );

    let (st, forced) = admin
        .post("/api/v1/models/retrain", json!({"force": true}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{forced}");
    assert_eq!(forced["activated"], true);
    let new_id = forced["model"]["id"].as_str().unwrap().to_owned();
    assert_eq!(forced["model"]["previous"], "default");
    assert_eq!(
        probe(&dispatcher, &probe_order).await,
        ("交通运输".to_owned(), new_id.clone()),
        "the server learned the corrections without a restart"
    );

    let (st, list) = admin.get("/api/v1/models").await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(list["active"], new_id.as_str());
    assert_eq!(list["serving"], new_id.as_str());
    assert_eq!(list["retraining"], false);
    let models = list["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    assert_eq!(models[0]["id"], new_id.as_str());
    assert_eq!(models[0]["active"], true);
    assert_eq!(models[1]["active"], false);
    assert!(models[0]["labels"].as_array().unwrap().len() == 7);

    // Rollback: activate the previous model, the built-in one.
    let (st, b) = admin
        .post("/api/v1/models/default/activate", json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["active"], "default");
    assert_eq!(
        probe(&dispatcher, &probe_order).await,
        ("城乡建设".to_owned(), "default".to_owned()),
        "the previous answer is back"
    );
    for bad in ["nonsense", &ModelId::new_at(chrono::Utc::now()).to_string()] {
        let (st, b) = admin
            .post(&format!("/api/v1/models/{bad}/activate"), json!({}))
            .await;
        assert_eq!(error_code(st, &b, StatusCode::NOT_FOUND), "model.not_found");
    }

    // Another process (the command line) activates the model in the database: the running
    // server picks it up within its check interval.
    let other = jiceng_store::SqlStore::connect(&app.db.url).await.unwrap();
    let cli = jiceng_server::orders_for(std::sync::Arc::new(other));
    let id = ModelRef::parse(&new_id).unwrap();
    cli.system_activate_model(id).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, list) = admin.get("/api/v1/models").await;
        if list["serving"] == new_id.as_str() {
            break;
        }
        assert!(Instant::now() < deadline, "not picked up: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(probe(&dispatcher, &probe_order).await.0, "交通运输");

    let entries = app.audit_entries().await;
    let count = |a: &str| entries.iter().filter(|e| e.action == a).count();
    assert_eq!(count("model.train"), 2);
    assert_eq!(count("model.activate"), 3);
}

async fn too_little_data_is_refused(app: &mut TestApp) {
    archive(app, &sample(2)).await;
    let admin = app.login("admin").await;
    let (st, b) = admin.post("/api/v1/models/retrain", json!({})).await;
    assert_eq!(
        error_code(st, &b, StatusCode::UNPROCESSABLE_ENTITY),
        "model.too_little_data"
    );
    let (_, list) = admin.get("/api/v1/models").await;
    assert_eq!(list["models"], json!([]));
    assert_eq!(list["active"], "default");
}

on_both_apps!(
    corrections_are_checked_and_kept,
    retraining_learns_the_corrections,
    too_little_data_is_refused,
);

#[tokio::test]
async fn the_routes_are_documented() {
    let doc = common::openapi().await;
    for path in [
        "/api/v1/work-orders/{id}/category-correction",
        "/api/v1/models",
        "/api/v1/models/retrain",
        "/api/v1/models/{id}/activate",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
}
