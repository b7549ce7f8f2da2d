//! Real answers of the main endpoints, checked against the schemas the committed contract
//! (`openapi/jiceng.json`) declares for their path and status: what the web client is
//! generated from must be what the server sends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, Session, TestApp, spawn, split};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// A request expected to fail: who, method, path template, path, body, status.
type Case<'a> = (
    &'a Session,
    Method,
    &'a str,
    String,
    Option<Value>,
    StatusCode,
);

struct Contract {
    doc: Value,
    /// (method path status) of every answer checked, to show the coverage asked for.
    seen: RefCell<BTreeSet<String>>,
}

impl Contract {
    fn load() -> Self {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/jiceng.json");
        let text = std::fs::read_to_string(&path).unwrap();
        Self {
            doc: serde_json::from_str(&text).unwrap(),
            seen: RefCell::default(),
        }
    }

    /// Fails unless the document declares `status` for the operation and `body` fits its schema.
    fn check(&self, method: &Method, template: &str, status: StatusCode, body: &Value) {
        let m = method.as_str().to_lowercase();
        let op = &self.doc["paths"][template][&m];
        assert!(op.is_object(), "{m} {template} is not in the contract");
        let response = &op["responses"][status.as_str()];
        assert!(
            response.is_object(),
            "{m} {template} answered {status} which the contract does not declare: {body}"
        );
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{m} {template} {status}: no JSON schema"
        );
        let mut root = schema.clone();
        root["components"] = self.doc["components"].clone();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("{m} {template} {status}: bad schema: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{m} {template} {status} does not fit the contract:\n{}\nbody: {body}",
            errors.join("\n")
        );
        self.seen
            .borrow_mut()
            .insert(format!("{m} {template} {}", status.as_u16()));
    }

    async fn call(
        &self,
        who: &Session,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (st, b) = who.call(method.clone(), path, body).await;
        self.check(&method, template, st, &b);
        (st, b)
    }

    async fn get(&self, who: &Session, template: &str, path: &str) -> Value {
        let (st, b) = self.call(who, Method::GET, template, path, None).await;
        assert_eq!(st, StatusCode::OK, "GET {path}: {b}");
        b
    }

    /// One step of the loop by its own route.
    async fn step(&self, who: &Session, o: &Value, action: &str, body: Value) -> Value {
        let id = o["id"].as_str().unwrap();
        let (st, b) = self
            .call(
                who,
                Method::POST,
                &format!("/api/v1/work-orders/{{id}}/{action}"),
                &format!("/api/v1/work-orders/{id}/{action}"),
                Some(body),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{action}: {b}");
        b
    }

    async fn register(&self, operator: &Session, content: &str) -> Value {
        let (st, o) = self
            .call(
                operator,
                Method::POST,
                "/api/v1/work-orders",
                "/api/v1/work-orders",
                Some(json!({"caller_name": "李四", "caller_phone": "13912340000",
                            "content": content, "category": "城乡建设",
                            "latitude": 30.46, "longitude": 106.63})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{o}");
        o
    }
}

fn unit(app: &TestApp, key: &str) -> String {
    app.units[key].id.to_string()
}

async fn the_main_endpoints_answer_as_the_contract_says(app: &mut TestApp) {
    let c = Contract::load();
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let handler = app.login("dept_handler").await;
    let leader = app.login("dept_leader").await;
    let co_handler = app.login("dept2_handler").await;
    let supervisor = app.login("supervisor").await;
    let admin = app.login("admin").await;

    // Logging in, as the browser does it and with a wrong password.
    let login = Method::POST;
    for (password, want) in [
        (common::PASSWORD, StatusCode::OK),
        ("wrong-password-1", StatusCode::UNAUTHORIZED),
    ] {
        let (st, b) = split(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"username": "supervisor", "password": password}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, want, "{b}");
        c.check(&login, "/api/v1/auth/login", st, &b);
    }
    c.get(&operator, "/api/v1/auth/me", "/api/v1/auth/me").await;

    // The whole loop of one order, every action by its own route.
    let a = c
        .register(&operator, "滨江路人行道上的井盖缺失，晚上很危险。")
        .await;
    // The receipt's tracking code, for the public lookup below.
    let code = a["tracking_code"].as_str().unwrap().to_owned();
    let a = c
        .step(
            &dispatcher,
            &a,
            "dispatch",
            json!({"lead_unit_id": unit(app, "dept"), "co_unit_ids": [unit(app, "dept2")],
                     "note": "请速办", "version": a["version"]}),
        )
        .await;
    let a = c
        .step(
            &co_handler,
            &a,
            "accept-co",
            json!({"unit_id": unit(app, "dept2")}),
        )
        .await;
    let a = c
        .step(&handler, &a, "accept", json!({"version": a["version"]}))
        .await;
    let a = c
        .step(&handler, &a, "note", json!({"text": "已联系施工单位"}))
        .await;
    let a = c
        .step(
            &handler,
            &a,
            "extension-request",
            json!({"reason": "需协调供电部门", "new_due": within_longest_extension(&a)}),
        )
        .await;
    let a = c
        .step(
            &supervisor,
            &a,
            "extension-decision",
            json!({"approve": true, "comment": "同意"}),
        )
        .await;
    let a = c
        .step(
            &handler,
            &a,
            "suspend",
            json!({"reason": "等待供电部门停电检修"}),
        )
        .await;
    let a = c.step(&handler, &a, "resume", json!({})).await;
    let a = c
        .step(
            &co_handler,
            &a,
            "co-reply",
            json!({"unit_id": unit(app, "dept2"), "text": "管网已修复"}),
        )
        .await;
    let a = c
        .step(
            &handler,
            &a,
            "reply",
            json!({"text": "井盖已补装。", "review": true}),
        )
        .await;
    let a = c
        .step(&leader, &a, "review", json!({"approve": true}))
        .await;
    let a = c
        .step(
            &operator,
            &a,
            "follow-up",
            json!({"satisfaction": "very_satisfied", "solved": true, "comment": "很及时"}),
        )
        .await;
    let a = c
        .step(&dispatcher, &a, "archive", json!({"note": "办结归档"}))
        .await;
    assert_eq!(a["status"], "archived");

    // A return with a ruling, and a duplicate merged into that order.
    let b = c
        .register(&operator, "官盛镇菜市场门口污水外溢，气味很大。")
        .await;
    let b = c
        .step(
            &dispatcher,
            &b,
            "dispatch",
            json!({"lead_unit_id": unit(app, "dept")}),
        )
        .await;
    let b = c
        .step(
            &handler,
            &b,
            "return",
            json!({"reason": "outside_jurisdiction", "explanation": "不在本单位辖区"}),
        )
        .await;
    let b = c
        .step(
            &dispatcher,
            &b,
            "arbitrate",
            json!({"lead_unit_id": unit(app, "dept"), "ruling": "经审定由原单位办理"}),
        )
        .await;
    let dup = c
        .register(&operator, "官盛镇菜市场门口污水外溢，臭味很大。")
        .await;
    c.step(&dispatcher, &dup, "merge", json!({"master_id": b["id"]}))
        .await;

    // Reading: lists, inboxes, one order, its history, clocks and trail.
    let (ida, idb) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    c.get(
        &dispatcher,
        "/api/v1/work-orders",
        "/api/v1/work-orders?limit=2",
    )
    .await;
    c.get(
        &handler,
        "/api/v1/work-orders/inbox/{inbox}",
        "/api/v1/work-orders/inbox/to_sign",
    )
    .await;
    c.get(
        &dispatcher,
        "/api/v1/work-orders/inbox/{inbox}",
        "/api/v1/work-orders/inbox/to_dispatch",
    )
    .await;
    c.get(
        &dispatcher,
        "/api/v1/work-orders/{id}",
        &format!("/api/v1/work-orders/{idb}"),
    )
    .await;
    for id in [ida, idb, dup["id"].as_str().unwrap()] {
        let h = c
            .get(
                &dispatcher,
                "/api/v1/work-orders/{id}/history",
                &format!("/api/v1/work-orders/{id}/history"),
            )
            .await;
        assert!(h.as_array().unwrap().len() > 1);
    }
    c.get(
        &dispatcher,
        "/api/v1/work-orders/{id}/clocks",
        &format!("/api/v1/work-orders/{idb}/clocks"),
    )
    .await;
    c.get(
        &supervisor,
        "/api/v1/sla/escalations",
        "/api/v1/sla/escalations",
    )
    .await;
    c.get(
        &supervisor,
        "/api/v1/work-orders/{id}/trail",
        &format!("/api/v1/work-orders/{ida}/trail"),
    )
    .await;

    // The public lookup, by number and phone.
    let number = a["number"].as_str().unwrap();
    let (st, body) = split(
        app.client
            .get(app.url(&format!(
                "/api/v1/public/work-orders/{number}?phone=13912340000&code={code}"
            )))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    c.check(
        &Method::GET,
        "/api/v1/public/work-orders/{number}",
        st,
        &body,
    );

    // Organisation, users and duty lists.
    let county = unit(app, "county");
    c.get(&admin, "/api/v1/org-units", "/api/v1/org-units")
        .await;
    c.get(
        &admin,
        "/api/v1/org-units/{id}",
        &format!("/api/v1/org-units/{county}"),
    )
    .await;
    c.get(&admin, "/api/v1/users", "/api/v1/users").await;
    let me = operator.user["id"].as_str().unwrap();
    c.get(&admin, "/api/v1/users/{id}", &format!("/api/v1/users/{me}"))
        .await;
    c.get(
        &admin,
        "/api/v1/org-units/{id}/duty-lists",
        &format!("/api/v1/org-units/{county}/duty-lists"),
    )
    .await;

    // Errors: each with its status declared and the {code, message} body.
    let reply = "/api/v1/work-orders/{id}/reply";
    let no_csrf = handler.without_csrf();
    let cases: Vec<Case> = vec![
        (
            &dispatcher,
            Method::GET,
            "/api/v1/work-orders/{id}",
            "/api/v1/work-orders/not-an-id".into(),
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            &handler,
            Method::GET,
            "/api/v1/users",
            "/api/v1/users".into(),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            &co_handler,
            Method::GET,
            "/api/v1/work-orders/{id}",
            format!("/api/v1/work-orders/{idb}"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            &handler,
            Method::POST,
            reply,
            format!("/api/v1/work-orders/{idb}/reply"),
            Some(json!({"text": "已修复"})),
            StatusCode::CONFLICT,
        ),
        (
            &handler,
            Method::POST,
            "/api/v1/work-orders/{id}/accept",
            format!("/api/v1/work-orders/{idb}/accept"),
            Some(json!({"version": 1})),
            StatusCode::CONFLICT,
        ),
        (
            &dispatcher,
            Method::POST,
            "/api/v1/work-orders/{id}/dispatch",
            format!("/api/v1/work-orders/{idb}/dispatch"),
            Some(json!({"note": "缺少主办单位"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &no_csrf,
            Method::POST,
            "/api/v1/work-orders/{id}/accept",
            format!("/api/v1/work-orders/{idb}/accept"),
            Some(json!({})),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (who, method, template, path, body, want) in cases {
        let (st, b) = c.call(who, method, template, &path, body).await;
        assert_eq!(st, want, "{path}: {b}");
    }
    let (st, b) = split(
        app.client
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    c.check(&Method::GET, "/api/v1/auth/me", st, &b);

    let seen = c.seen.borrow();
    for status in [200, 201, 400, 401, 403, 404, 409, 422] {
        assert!(
            seen.iter().any(|s| s.ends_with(&format!(" {status}"))),
            "no {status} checked: {seen:#?}"
        );
    }
}

on_both_apps!(the_main_endpoints_answer_as_the_contract_says);

/// A new due date after the order's handling deadline and within the longest extension
/// ([sla] max_extension, 30 working days from that deadline by default): one week after the
/// deadline, whatever the day and hour of the run.
fn within_longest_extension(o: &Value) -> String {
    let due: chrono::DateTime<chrono::Utc> = o["handling_due"].as_str().unwrap().parse().unwrap();
    (due + chrono::Duration::days(7)).to_rfc3339()
}
