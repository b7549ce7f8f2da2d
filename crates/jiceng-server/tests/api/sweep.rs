//! The access sweep, generated from the served contract: every operation that names a record
//! by id is called by every role of one town, by a department's staff, by a citizen and
//! anonymously, once with the ids of another town's records and once with ids that exist
//! nowhere. Someone else's record answers exactly as a missing one (status and code), and
//! nothing answers 500. Every list is read by the same callers, plain and filtered by the
//! other town's ids, and never shows the other town's order or staff. An operation added to
//! the router is swept without anyone adding it here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, Session, TestApp, split};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Ids of town B's records, by the name of the path or query parameter that carries them.
pub(crate) struct Elsewhere {
    order: String,
    number: String,
    attachment: String,
    unit: String,
    user: String,
    username: String,
    token: String,
}

/// A record of town B for each kind the contract names, made by county staff.
pub(crate) async fn elsewhere(app: &TestApp) -> Elsewhere {
    let operator = app.login("operator").await;
    let town_b = app.units["town_b"].id.to_string();
    let (st, o) = operator
        .post(
            "/api/v1/work-orders",
            json!({"channel": "hotline", "caller_name": "王五", "caller_phone": "13955556666",
                   "content": "官盛镇农贸市场排水沟堵塞，污水外溢。", "region_unit_id": town_b}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{o}");
    let order = o["id"].as_str().unwrap().to_owned();
    let png: Vec<u8> = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        &[7u8; 500][..],
    ]
    .concat();
    let (st, a) = split(
        operator
            .client
            .post(app.url(&format!(
                "/api/v1/work-orders/{order}/attachments?filename=photo.png"
            )))
            .header("cookie", &operator.cookie)
            .header("x-csrf-token", &operator.csrf)
            .header("content-type", "image/png")
            .body(png)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    let admin = app.login("admin").await;
    let (st, t) = admin
        .post(
            "/api/v1/auth/tokens",
            json!({"name": "县级数据同步", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    Elsewhere {
        number: o["number"].as_str().unwrap().to_owned(),
        order,
        attachment: a["id"].as_str().unwrap().to_owned(),
        unit: town_b,
        user: app.users["handler_b"].to_string(),
        username: "handler_b".into(),
        token: t["token"]["id"].as_str().unwrap().to_owned(),
    }
}

/// Ids that name nothing.
fn nowhere() -> Elsewhere {
    let id = || uuid::Uuid::now_v7().to_string();
    Elsewhere {
        order: id(),
        number: "JC20260101999999".into(),
        attachment: id(),
        unit: id(),
        user: id(),
        username: "nobody".into(),
        token: id(),
    }
}

/// The value of path parameter `name` in `path` from `ids`; `None` for a parameter that is
/// not an id (an inbox's name).
fn id_for(path: &str, name: &str, schema: &Value, ids: &Elsewhere) -> Option<String> {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return Some(first.as_str().unwrap().to_owned());
    }
    Some(match name {
        "number" => ids.number.clone(),
        "attachment_id" => ids.attachment.clone(),
        "unit_id" => ids.unit.clone(),
        "role" => "unit_handler".into(),
        "id" if path.starts_with("/api/v1/work-orders/") => ids.order.clone(),
        "id" if path.starts_with("/api/v1/org-units/") => ids.unit.clone(),
        "id" if path.starts_with("/api/v1/users/") => ids.user.clone(),
        "id" if path.starts_with("/api/v1/auth/tokens/") => ids.token.clone(),
        // Duty lists and classifier models are the county's; no town holds one.
        "id" => uuid::Uuid::now_v7().to_string(),
        _ => return None,
    })
}

/// `path` with its parameters filled from `ids`.
pub(crate) fn concrete(path: &str, op: &Value, ids: &Elsewhere) -> String {
    common::fill_path(path, op, |name, schema| {
        id_for(path, name, schema, ids).unwrap()
    })
}

/// A value `schema` accepts, with units and other ids from `ids`: every required field of an
/// object, the first of an enum, the first non-null type of a union.
pub(crate) fn sample(doc: &Value, schema: &Value, ids: &Elsewhere) -> Value {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        if name == "UnitId" {
            return json!(ids.unit);
        }
        if name == "OrderId" {
            return json!(ids.order);
        }
        return sample(doc, &doc["components"]["schemas"][name], ids);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[key]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["type"] != "null"))
        {
            return sample(doc, first, ids);
        }
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let ty = match &schema["type"] {
        Value::Array(types) => types.iter().find(|t| *t != "null").cloned(),
        t => Some(t.clone()),
    };
    match ty.as_ref().and_then(Value::as_str) {
        Some("object") => {
            let mut out = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                out.insert(
                    name.to_owned(),
                    sample(doc, &schema["properties"][name], ids),
                );
            }
            Value::Object(out)
        }
        Some("array") => match schema["minItems"].as_u64() {
            Some(n) if n > 0 => json!([sample(doc, &schema["items"], ids)]),
            _ => json!([]),
        },
        Some("integer") => json!(1),
        Some("number") => json!(1.0),
        Some("boolean") => json!(false),
        Some("string") => match schema["format"].as_str() {
            Some("uuid") => json!(ids.unit),
            Some("date-time") => json!("2030-01-07T09:00:00+08:00"),
            Some("date") => json!("2030-01-07"),
            _ => json!("经核实，现场情况与反映一致，已安排处理。"),
        },
        _ => json!({}),
    }
}

/// The inboxes of `/api/v1/work-orders/inbox/{inbox}`.
const INBOXES: [&str; 7] = [
    "to_sign",
    "to_handle",
    "to_review",
    "to_dispatch",
    "returned",
    "to_follow_up",
    "extensions",
];

/// A caller: a session, or nobody.
struct Caller {
    name: &'static str,
    session: Option<Session>,
}

async fn call(
    app: &TestApp,
    caller: &Caller,
    method: &Method,
    url: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut req = app.client.request(method.clone(), app.url(url));
    if let Some(s) = &caller.session {
        req = req
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    split(req.send().await.unwrap()).await
}

/// The bodies an operation is tried with: an empty one, and one its schema accepts (with town
/// B's units where it names one), so that the answer comes from the record's lookup and not
/// from the body's check.
fn bodies(doc: &Value, method: &Method, op: &Value, ids: &Elsewhere) -> Vec<Option<Value>> {
    if *method == Method::GET {
        return vec![None];
    }
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_null() {
        return vec![Some(json!({}))];
    }
    vec![Some(json!({})), Some(sample(doc, schema, ids))]
}

/// The error code of an answer, or its status alone for one without.
fn answer(st: StatusCode, body: &Value) -> String {
    match body["code"].as_str() {
        Some(code) => format!("{} {code}", st.as_u16()),
        None => st.as_u16().to_string(),
    }
}

async fn access_sweep(app: &TestApp) {
    let doc = common::openapi().await;
    let there = elsewhere(app).await;
    let mut callers = vec![Caller {
        name: "anonymous",
        session: None,
    }];
    for name in [
        "admin_a",
        "leader_a",
        "handler_a",
        "gridworker",
        "dept2_handler",
        "citizen",
    ] {
        callers.push(Caller {
            name,
            session: Some(app.login(name).await),
        });
    }
    let mut requests = 0;
    let mut swept = 0;
    let mut problems = Vec::new();
    let mut answers: BTreeMap<String, usize> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(m) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            let has_id = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["in"] == "path" && p["name"] != "inbox");
            if has_id {
                swept += 1;
                let missing = nowhere();
                // Each try names one set of ids in the path and the body alike.
                let tries: Vec<(Option<Value>, Option<Value>)> = bodies(&doc, &m, op, &there)
                    .into_iter()
                    .zip(bodies(&doc, &m, op, &missing))
                    .collect();
                for (caller, (here, gone)) in callers
                    .iter()
                    .flat_map(|c| tries.iter().map(move |t| (c, t)))
                {
                    let (st1, b1) =
                        call(app, caller, &m, &concrete(path, op, &there), here.as_ref()).await;
                    let (st2, b2) = call(
                        app,
                        caller,
                        &m,
                        &concrete(path, op, &missing),
                        gone.as_ref(),
                    )
                    .await;
                    requests += 2;
                    *answers.entry(answer(st1, &b1)).or_default() += 1;
                    if st1.is_server_error() || st2.is_server_error() {
                        problems.push(format!("{} {method} {path}: {st1} / {st2}", caller.name));
                    } else if answer(st1, &b1) != answer(st2, &b2) {
                        problems.push(format!(
                            "{} {method} {path}: another town's record answers {}, a missing one {}",
                            caller.name,
                            answer(st1, &b1),
                            answer(st2, &b2)
                        ));
                    }
                }
            } else if m == Method::GET {
                swept += 1;
                // The list plain (every inbox of the inboxes), and filtered by each of town B's
                // ids its query takes.
                let bases: Vec<String> = if path.contains("{inbox}") {
                    INBOXES.iter().map(|i| path.replace("{inbox}", i)).collect()
                } else {
                    vec![path.clone()]
                };
                let mut urls = bases.clone();
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let name = p["name"].as_str().unwrap();
                    let value = match name {
                        "unit" | "parent" => &there.unit,
                        "order" => &there.order,
                        _ => continue,
                    };
                    if p["in"] == "query" {
                        urls.extend(bases.iter().map(|b| format!("{b}?{name}={value}")));
                    }
                }
                for caller in &callers {
                    for url in &urls {
                        let (st, body) = call(app, caller, &m, url, None).await;
                        requests += 1;
                        let text = body.to_string();
                        if st.is_server_error() {
                            problems.push(format!("{} GET {url}: {st}", caller.name));
                        }
                        for marker in [&there.number, &there.order, &there.username] {
                            if st.is_success() && text.contains(marker.as_str()) {
                                problems.push(format!(
                                    "{} GET {url} shows town B's {marker}",
                                    caller.name
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    println!(
        "access sweep: {requests} requests, {swept} operations, {} callers; answers to \
         another town's ids: {answers:?}",
        callers.len()
    );
    assert!(swept > 50, "only {swept} operations swept");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn access_sweep_sqlite() {
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    access_sweep(&app).await;
}

#[tokio::test]
async fn access_sweep_postgres() {
    let Some(app) = common::spawn(Backend::Postgres).await else {
        return;
    };
    access_sweep(&app).await;
}
