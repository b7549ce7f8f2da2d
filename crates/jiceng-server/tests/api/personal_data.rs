//! A citizen's requests about their data (个人信息保护法): the export finds exactly their
//! orders, as caller and as merged caller, within the administrator's jurisdiction; the
//! erasure replaces their contact data everywhere it is shown or searched, keeps the orders
//! and their history, is recorded without the data, leaves the audit chain verifying, and
//! erases nothing the second time; other roles and other jurisdictions are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, Session, TestApp, error_code, spawn, split, test_audit_key};
use jiceng_kernel::ids::OrderId;
use jiceng_orders::duplicates::OrderSketch;
use jiceng_orders::work_order::erasure::ERASED;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PHONE: &str = "13955550001";
const NAME: &str = "欧阳明月";
const OTHER: &str = "13955550002";
const MASTER: &str = "13955550003";

/// The citizen's orders and another citizen's, across the two towns.
struct Seeded {
    /// The citizen's, in town A; its text mentions the phone.
    a1: Value,
    /// The citizen's, in town B.
    a2: Value,
    /// Another citizen's, in town A.
    b: Value,
    /// The citizen's duplicate (town A), merged into `master`.
    dup: Value,
    /// Another citizen's order in town A that the citizen joined by the merge.
    master: Value,
}

async fn register(
    op: &Session,
    app: &TestApp,
    phone: &str,
    name: &str,
    text: &str,
    town: &str,
) -> Value {
    let (st, o) = op
        .post(
            "/api/v1/work-orders",
            json!({"caller_name": name, "caller_phone": phone, "content": text,
                   "address": "滨江路 12 号", "region_unit_id": app.units[town].id}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{o}");
    o
}

fn id(o: &Value) -> String {
    o["id"].as_str().unwrap().to_owned()
}

fn oid(o: &Value) -> OrderId {
    OrderId(id(o).parse().unwrap())
}

async fn setup(app: &TestApp) -> Seeded {
    let op = app.login("operator").await;
    let a1 = register(
        &op,
        app,
        PHONE,
        NAME,
        &format!("小区路灯不亮，{NAME}请求回电 {PHONE}。"),
        "town_a",
    )
    .await;
    let a2 = register(&op, app, PHONE, NAME, "镇上集市垃圾无人清运。", "town_b").await;
    let b = register(&op, app, OTHER, "张三", "楼下餐馆油烟扰民。", "town_a").await;
    let master = register(&op, app, MASTER, "李四", "滨江路井盖缺失。", "town_a").await;
    let dup = register(&op, app, PHONE, NAME, "滨江路有个井盖没了。", "town_a").await;
    let dispatcher = app.login("dispatcher").await;
    let (st, m) = dispatcher
        .post(
            &format!("/api/v1/work-orders/{}/merge", id(&dup)),
            json!({"master_id": id(&master)}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    Seeded {
        a1,
        a2,
        b,
        dup,
        master,
    }
}

async fn export(s: &Session, phone: &str) -> (StatusCode, Value) {
    s.post("/api/v1/personal-data/export", json!({"phone": phone}))
        .await
}

fn numbers(export: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = export["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_owned(),
                o["part"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn parts(orders: &[(&Value, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = orders
        .iter()
        .map(|(o, p)| (id(o), (*p).to_owned()))
        .collect();
    v.sort();
    v
}

/// The whole log as text.
async fn log_text(app: &TestApp) -> Vec<(String, String)> {
    app.audit_entries()
        .await
        .into_iter()
        .map(|e| (e.action, e.payload.text().to_owned()))
        .collect()
}

async fn export_finds_exactly_the_citizens_orders(app: &mut TestApp) {
    let o = setup(app).await;
    let admin = app.login("admin").await;
    let (st, all) = export(&admin, PHONE).await;
    assert_eq!(st, StatusCode::OK, "{all}");
    assert_eq!(
        numbers(&all),
        parts(&[
            (&o.a1, "caller"),
            (&o.a2, "caller"),
            (&o.dup, "caller"),
            (&o.master, "merged_caller"),
        ]),
        "the citizen's orders and no other's: {all}"
    );
    assert_eq!(all["count"], 4);
    assert_eq!(all["phone_masked"], "139****0001");
    let a1 = all["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == o.a1["id"])
        .unwrap();
    assert_eq!(a1["number"], o.a1["number"]);
    assert_eq!(a1["name"], NAME);
    assert_eq!(a1["phone"], PHONE);
    assert_eq!(a1["address"], "滨江路 12 号");
    assert!(a1["content"].as_str().unwrap().contains("路灯不亮"));
    assert_eq!(a1["status"], "registered");
    assert!(a1["created_at"].is_string() && a1["updated_at"].is_string());
    let master = all["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == o.master["id"])
        .unwrap();
    assert_eq!(
        master["name"], NAME,
        "the name the citizen gave, not the caller's"
    );
    assert!(!all.to_string().contains(OTHER) && !all.to_string().contains(MASTER));

    // Another citizen's phone finds only that citizen's order.
    let (_, other) = export(&admin, OTHER).await;
    assert_eq!(numbers(&other), parts(&[(&o.b, "caller")]));
    // A town's administrator finds only the town's orders; the other town's is not revealed.
    let admin_a = app.login("admin_a").await;
    let (st, town) = export(&admin_a, PHONE).await;
    assert_eq!(st, StatusCode::OK, "{town}");
    assert_eq!(
        numbers(&town),
        parts(&[
            (&o.a1, "caller"),
            (&o.dup, "caller"),
            (&o.master, "merged_caller")
        ])
    );

    // The exports are audited: who, how many, the phone masked, never in clear.
    let log = log_text(app).await;
    let exports: Vec<&String> = log
        .iter()
        .filter(|(a, _)| a == "personal_data.export")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(exports.len(), 3, "{exports:?}");
    assert!(exports[0].contains("\"count\":4"), "{}", exports[0]);
    assert!(exports[0].contains("139****0001"), "{}", exports[0]);
    assert!(
        log.iter()
            .all(|(_, p)| !p.contains(PHONE) && !p.contains(NAME))
    );

    // Other roles, bad phones: refused with the error shape, and nothing is recorded.
    for who in [
        "dispatcher",
        "operator",
        "supervisor",
        "leader_a",
        "citizen",
    ] {
        let s = app.login(who).await;
        let (st, v) = export(&s, PHONE).await;
        assert_eq!(
            error_code(st, &v, StatusCode::FORBIDDEN),
            "auth.forbidden",
            "{who}"
        );
    }
    for bad in ["", "139-abc", "1", "139555500011395555000113955550001"] {
        let (st, v) = export(&admin, bad).await;
        assert_eq!(
            error_code(st, &v, StatusCode::BAD_REQUEST),
            "user.invalid_phone",
            "{bad:?}"
        );
    }
    let (st, v) = admin
        .post(
            "/api/v1/personal-data/export",
            json!({"phone": PHONE, "x": 1}),
        )
        .await;
    assert!(st.is_client_error(), "{st} {v}");
    let exported = log_text(app)
        .await
        .into_iter()
        .filter(|(a, _)| a == "personal_data.export")
        .count();
    assert_eq!(exported, 3, "refused requests record nothing");
}

async fn erase(s: &Session, body: Value) -> (StatusCode, Value) {
    s.post("/api/v1/personal-data/erase", body).await
}

async fn lookup(app: &TestApp, number: &str, code: &str) -> StatusCode {
    let resp = app
        .client
        .get(app.url(&format!(
            "/api/v1/public/work-orders/{number}?phone={PHONE}&code={code}"
        )))
        .send()
        .await
        .unwrap();
    split(resp).await.0
}

async fn erasure_removes_the_contact_and_keeps_the_record(app: &mut TestApp) {
    let o = setup(app).await;
    let dispatcher = app.login("dispatcher").await;
    let admin = app.login("admin").await;
    let admin_a = app.login("admin_a").await;
    let a1_number = o.a1["number"].as_str().unwrap();
    let a1_code = o.a1["tracking_code"].as_str().unwrap();
    assert_eq!(lookup(app, a1_number, a1_code).await, StatusCode::OK);
    let (_, found) = dispatcher
        .get(&format!("/api/v1/work-orders?q={PHONE}"))
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    let before = app
        .orders
        .store
        .get_order(app.county(), oid(&o.a1))
        .await
        .unwrap()
        .unwrap();
    let history_before = app
        .orders
        .store
        .order_history(app.county(), oid(&o.a1))
        .await
        .unwrap();
    assert!(!app.orders.make_checkpoints().await.unwrap().is_empty());
    let log_before = log_text(app).await.len();

    // Refused, and nothing changes: another role, a bad phone, an order of another town.
    let (st, v) = erase(&dispatcher, json!({"phone": PHONE})).await;
    assert_eq!(error_code(st, &v, StatusCode::FORBIDDEN), "auth.forbidden");
    let (st, v) = erase(&admin, json!({"phone": "abc"})).await;
    assert_eq!(
        error_code(st, &v, StatusCode::BAD_REQUEST),
        "user.invalid_phone"
    );
    let (st, v) = erase(
        &admin_a,
        json!({"phone": PHONE, "order_ids": [id(&o.a1), id(&o.a2)]}),
    )
    .await;
    assert_eq!(
        error_code(st, &v, StatusCode::NOT_FOUND),
        "work_order.not_found"
    );
    let (st, v) = erase(
        &admin_a,
        json!({"phone": PHONE, "order_ids": [uuid::Uuid::now_v7()]}),
    )
    .await;
    assert_eq!(
        error_code(st, &v, StatusCode::NOT_FOUND),
        "work_order.not_found"
    );
    assert_eq!(
        app.orders
            .store
            .get_order(app.county(), oid(&o.a1))
            .await
            .unwrap()
            .unwrap(),
        before
    );
    assert_eq!(log_text(app).await.len(), log_before);

    // The town's administrator erases the town's orders; the other town's stays as it was.
    let (st, done) = erase(&admin_a, json!({"phone": PHONE})).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(done["erased"], 3, "{done}");
    let a2 = app
        .orders
        .store
        .get_order(app.county(), oid(&o.a2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a2.caller_phone.as_deref(), Some(PHONE));
    // The county's administrator erases the rest; a second erasure erases nothing.
    let (_, done) = erase(&admin, json!({"phone": PHONE})).await;
    assert_eq!(done["erased"], 1, "{done}");
    assert_eq!(done["orders"][0]["id"], o.a2["id"]);
    let (st, again) = erase(&admin, json!({"phone": PHONE})).await;
    assert_eq!(
        (st, &again["erased"]),
        (StatusCode::OK, &json!(0)),
        "{again}"
    );

    // The stored orders: marker in place of the contact, the order itself unchanged.
    for x in [&o.a1, &o.a2, &o.dup] {
        let s = app
            .orders
            .store
            .get_order(app.county(), oid(x))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.caller_phone.as_deref(), Some(ERASED));
        assert_eq!(s.caller_name.as_deref(), Some(ERASED));
        let r = app
            .orders
            .store
            .order_redactions(app.county(), s.id)
            .await
            .unwrap();
        assert_eq!(r.len(), 1, "one redaction record per order");
        assert_eq!(r[0].version, s.version);
        assert!(r[0].fields.contains(&"caller_phone".to_owned()));
    }
    let m = app
        .orders
        .store
        .get_order(app.county(), oid(&o.master))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        m.caller_phone.as_deref(),
        Some(MASTER),
        "the other caller stays"
    );
    assert_eq!(m.extra_callers[0].phone.as_deref(), Some(ERASED));
    assert_eq!(m.caller_phones(), [MASTER]);
    let after = app
        .orders
        .store
        .get_order(app.county(), oid(&o.a1))
        .await
        .unwrap()
        .unwrap();
    assert!(
        !after.content.contains(PHONE) && !after.content.contains(NAME),
        "{}",
        after.content
    );
    assert!(after.content.contains("路灯不亮"));
    assert_eq!(
        (
            after.status,
            after.number.as_str(),
            &after.address,
            after.created_at
        ),
        (
            before.status,
            before.number.as_str(),
            &before.address,
            before.created_at
        )
    );
    let history = app
        .orders
        .store
        .order_history(app.county(), oid(&o.a1))
        .await
        .unwrap();
    assert_eq!(
        &history[..history_before.len()],
        &history_before[..],
        "history stays"
    );
    assert_eq!(history.last().unwrap().action, "erase_contact");
    assert_eq!(history.last().unwrap().seq, after.version);

    // Shown and searched nowhere: order view, list, search, public lookup, export.
    let (_, view) = dispatcher
        .get(&format!("/api/v1/work-orders/{}", id(&o.a1)))
        .await;
    assert_eq!(
        (&view["caller_phone"], &view["caller_name"]),
        (&json!(ERASED), &json!(ERASED))
    );
    assert_eq!(view["contact_masked"], false);
    let (_, view) = dispatcher
        .get(&format!("/api/v1/work-orders/{}", id(&o.master)))
        .await;
    assert_eq!(view["extra_callers"][0]["phone"], ERASED);
    let (_, list) = dispatcher.get("/api/v1/work-orders?limit=100").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 5);
    // Lists mask names to their first character: not even that is left.
    assert!(
        !list.to_string().contains(PHONE) && !list.to_string().contains('欧'),
        "{list}"
    );
    for q in [PHONE, NAME] {
        let (_, found) = dispatcher.get(&format!("/api/v1/work-orders?q={q}")).await;
        assert_eq!(found["items"], json!([]), "{q}: {found}");
    }
    assert_eq!(lookup(app, a1_number, a1_code).await, StatusCode::NOT_FOUND);
    let (_, gone) = export(&admin, PHONE).await;
    assert_eq!(gone["count"], 0, "{gone}");
    // The duplicate sketch is of the text without the phone.
    let d = app.orders.duplicates.as_ref().unwrap();
    let sketch = app
        .orders
        .store
        .get_sketch(app.county(), after.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sketch.sketch, OrderSketch::of(&after, &*d.sketcher).sketch);
    assert_ne!(sketch.sketch, OrderSketch::of(&before, &*d.sketcher).sketch);
    // No message waits for the erased phone.
    let pending = app
        .orders
        .store
        .pending_notices(app.county(), 1000)
        .await
        .unwrap();
    assert!(pending.iter().all(|n| n.phone != PHONE), "{pending:?}");

    // Audited without the data, and the chain still verifies over the old checkpoint.
    let log = log_text(app).await;
    let erasures: Vec<&String> = log
        .iter()
        .filter(|(a, _)| a == "personal_data.erase")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(erasures.len(), 3);
    assert!(erasures[0].contains("\"count\":3") && erasures[2].contains("\"count\":0"));
    assert!(erasures[0].contains(&id(&o.a1)));
    assert_eq!(
        log.iter()
            .filter(|(a, _)| a == "work_order.erase_contact")
            .count(),
        4
    );
    assert!(
        log.iter()
            .all(|(_, p)| !p.contains(PHONE) && !p.contains(NAME)),
        "no trace of the person in the log"
    );
    assert!(!app.orders.make_checkpoints().await.unwrap().is_empty());
    let report = jiceng_orders::use_cases::verify_log(
        app.orders.store.as_ref(),
        &test_audit_key().verifying_key(),
        &[],
        None,
    )
    .await
    .unwrap();
    assert!(report.ok(), "{report:?}");
    assert!(report.checkpoints() >= 2, "{report:?}");
}

on_both_apps!(
    export_finds_exactly_the_citizens_orders,
    erasure_removes_the_contact_and_keeps_the_record
);
