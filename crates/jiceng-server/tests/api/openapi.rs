//! The HTTP contract: the committed `openapi/jiceng.json` is what the server serves, every
//! operation has an id of its own and declares its security and its 4xx answers, the declared security is the one the
//! server enforces, and every work-order action has its own typed body.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, spawn, split};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/jiceng.json")
}

/// The document with its keys sorted at every level, pretty-printed: one stable text whatever
/// order the generator emits, so that the committed file changes only when the contract does.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), canonical(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn render(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&canonical(doc)).unwrap();
    text.push('\n');
    text
}

#[tokio::test]
async fn the_committed_document_is_the_served_one() {
    let served = render(&common::openapi().await);
    let path = committed_path();
    if std::env::var_os("JICENG_UPDATE_OPENAPI").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &served).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != served {
        let first = committed
            .lines()
            .zip(served.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(served.lines().count()));
        panic!(
            "openapi/jiceng.json differs from the document the server serves (first at line {}:\n  \
             committed: {:?}\n  served:    {:?}).\nIf the change of the contract is intended, \
             regenerate it with\n  JICENG_UPDATE_OPENAPI=1 cargo test -p jiceng-server --test api openapi::\n\
             and commit the file (the web client is generated from it).",
            first + 1,
            committed.lines().nth(first).unwrap_or("<end of file>"),
            served.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
}

/// Every `$ref` in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_names_a_schema_of_the_document() {
    let doc = common::openapi().await;
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 100, "only {} references", all.len());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let dangling: std::collections::BTreeSet<&str> = all
        .into_iter()
        .filter(|r| {
            r.strip_prefix("#/components/schemas/")
                .is_none_or(|name| !schemas.contains_key(name))
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}

/// Every operation of the document, as (path, method, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    out
}

/// 4xx answers that carry more than `{code, message}` by design.
const OTHER_BODIES: &[(&str, &str, &str)] = &[
    // A rejected duty-list upload answers with every issue found in the file.
    ("post", "/api/v1/org-units/{id}/duty-lists", "422"),
];

#[tokio::test]
async fn every_operation_declares_security_and_its_client_errors() {
    let doc = common::openapi().await;
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    let ops = operations(&doc);
    assert!(ops.len() > 50, "only {} operations", ops.len());
    let mut missing = Vec::new();
    // A generated client names a function after each operation id: one id, one operation.
    let mut ids = std::collections::HashMap::new();
    for (path, method, op) in &ops {
        // A path parameter is a `{name}` of the path, and each `{name}` is declared once.
        let declared: Vec<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let templated: Vec<&str> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        if declared != templated {
            missing.push(format!(
                "{method} {path}: path parameters {declared:?}, the path names {templated:?}"
            ));
        }
        match op["operationId"].as_str() {
            None => missing.push(format!("{method} {path}: no operationId")),
            Some(id) => {
                if let Some(other) = ids.insert(id.to_owned(), format!("{method} {path}")) {
                    missing.push(format!(
                        "{method} {path}: operationId {id} also names {other}"
                    ));
                }
            }
        }
        match op["security"].as_array() {
            None => missing.push(format!("{method} {path}: no security")),
            Some(reqs) => {
                for name in reqs.iter().flat_map(|r| r.as_object().unwrap().keys()) {
                    assert!(
                        schemes.contains_key(name),
                        "{method} {path}: unknown {name}"
                    );
                }
            }
        }
        let client_errors: Vec<(&String, &Value)> = op["responses"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(status, _)| status.starts_with('4'))
            .collect();
        if client_errors.is_empty() {
            missing.push(format!("{method} {path}: no 4xx response"));
        }
        let mut with_error_body = 0;
        for (status, r) in client_errors {
            let schema = &r["content"]["application/json"]["schema"]["$ref"];
            if schema == "#/components/schemas/ErrorBody" {
                with_error_body += 1;
            } else if !OTHER_BODIES.contains(&(method.as_str(), path.as_str(), status.as_str())) {
                missing.push(format!("{method} {path}: {status} without ErrorBody"));
            }
        }
        if with_error_body == 0 {
            missing.push(format!("{method} {path}: no 4xx with ErrorBody"));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

/// A value for a path parameter that the router accepts.
fn sample(name: &str, schema: &Value) -> String {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.as_str().unwrap().to_owned();
    }
    match name {
        "number" => "20260101000001".into(),
        "role" => "dispatcher".into(),
        _ => "0190a0a0-0000-7000-8000-000000000000".into(),
    }
}

fn concrete(path: &str, op: &Value) -> String {
    common::fill_path(path, op, sample)
}

#[tokio::test]
async fn the_declared_security_is_what_the_server_enforces() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let doc = common::openapi().await;
    let admin = app.login("admin").await;
    for (path, method, op) in operations(&doc) {
        let url = app.url(&concrete(&path, &op));
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let public = op["security"].as_array().unwrap().is_empty();
        let (st, body) = split(
            app.client
                .request(m.clone(), &url)
                .json(&json!({}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        if public {
            assert_ne!(
                st,
                StatusCode::UNAUTHORIZED,
                "{method} {path} is public: {body}"
            );
        } else {
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
        }
        let needs_csrf = op["security"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.get("csrf").is_some());
        if needs_csrf {
            let (st, body) = split(
                app.client
                    .request(m, &url)
                    .header("cookie", &admin.cookie)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(
                st,
                StatusCode::FORBIDDEN,
                "{method} {path} without CSRF: {body}"
            );
            assert_eq!(body["code"], "auth.csrf", "{method} {path}");
        }
    }
}

const ACTIONS: [&str; 16] = [
    "dispatch",
    "arbitrate",
    "accept",
    "accept-co",
    "return",
    "note",
    "extension-request",
    "extension-decision",
    "suspend",
    "resume",
    "reply",
    "co-reply",
    "review",
    "follow-up",
    "archive",
    "merge",
];

#[tokio::test]
async fn each_action_has_its_own_typed_body_and_history_is_typed_per_step() {
    let doc = common::openapi().await;
    let schemas = &doc["components"]["schemas"];
    let mut bodies = std::collections::HashSet::new();
    for action in ACTIONS {
        let op = &doc["paths"][format!("/api/v1/work-orders/{{id}}/{action}")]["post"];
        let r = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{action}: no typed body in {op}"));
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(bodies.insert(name.to_owned()), "{action} shares {name}");
        let version = &schemas[name]["properties"]["version"];
        assert!(version.is_object(), "{action}: {name} has no version");
        assert!(op["responses"]["200"].is_object(), "{action}: no 200");
    }
    assert!(
        doc["paths"]
            .get("/api/v1/work-orders/{id}/{action}")
            .is_none(),
        "the shared action path is gone"
    );
    assert!(schemas.get("ActionBody").is_none());

    let history = &doc["paths"]["/api/v1/work-orders/{id}/history"]["get"]["responses"]["200"];
    assert_eq!(
        history["content"]["application/json"]["schema"]["items"]["$ref"],
        "#/components/schemas/HistoryEntry"
    );
    let entry = &schemas["HistoryEntry"];
    assert_eq!(entry["discriminator"]["propertyName"], "action");
    let mapping = entry["discriminator"]["mapping"].as_object().unwrap();
    for action in [
        "register",
        "dispatch",
        "return",
        "follow_up",
        "merge",
        "sla_red",
    ] {
        let target = mapping[action].as_str().unwrap();
        let kind = &schemas[target.trim_start_matches("#/components/schemas/")];
        let payload = kind["properties"]["payload"]["$ref"].as_str().unwrap();
        let payload = &schemas[payload.trim_start_matches("#/components/schemas/")];
        assert_eq!(payload["type"], "object", "{action}: {payload}");
    }
    assert_eq!(
        entry["oneOf"].as_array().unwrap().len(),
        mapping
            .values()
            .map(|v| v.as_str().unwrap())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
}
