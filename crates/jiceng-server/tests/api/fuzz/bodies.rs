//! Every JSON request body of the served contract, fuzzed over HTTP on both backends: a body
//! the operation's schema accepts (naming records that exist), changed value by value (wrong
//! types, extreme numbers, long and odd strings, deep nesting, fields removed or unknown) and
//! byte by byte. Every answer is below 500, and every refusal has the error shape. An operation
//! added to the router is fuzzed without anyone adding it here.

use super::{Mutation, apply, cases, seed};
use crate::common::{self, Backend, Session, TestApp, split};
use crate::sweep::{concrete, elsewhere, sample};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Operations left out: each ends the caller's session or starts minutes of work.
const LEFT_OUT: [&str; 2] = [
    // Changes the caller's own password, which ends its session.
    "/api/v1/auth/password",
    // Retrains the classifier on the blocking pool: minutes of CPU per accepted body.
    "/api/v1/models/retrain",
];

const BODY_TOKENS: &[&[u8]] = &[
    b"{", b"}", b"[", b"]", b"\"", b":", b",", b"null", b"\\u0000", b"\\ud800", b"\\",
];

/// Values that are wrong, extreme or odd for most fields.
fn odd_values() -> Vec<Value> {
    let deep = (0..200).fold(json!(1), |v, _| json!([v]));
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(1e308),
        json!(-1e-308),
        json!(0.5),
        json!(""),
        json!(" "),
        json!("x".repeat(100_000)),
        json!("区".repeat(20_000)),
        json!("\u{0}\u{202e}\u{feff}"),
        json!("../../../../etc/passwd"),
        json!("<script>alert(1)</script>"),
        json!("' OR 1=1 --"),
        json!("2030-02-30T25:61:00+08:00"),
        json!("9999-12-31T23:59:59Z"),
        json!("-0001-01-01"),
        json!("00000000-0000-0000-0000-000000000000"),
        json!("JC20260101000001"),
        json!([]),
        json!({}),
        json!(["a", 1, null]),
        json!({"$ref": "#/"}),
        deep,
    ]
}

/// One change to a body.
#[derive(Debug, Clone)]
enum Change {
    /// The node at a pointer replaced by an odd value.
    Replace(Index, Index),
    /// The node at a pointer removed from its object or array.
    Remove(Index),
    /// An unknown field added to the object at a pointer.
    Unknown(Index, Index),
    /// The serialised body changed byte by byte.
    Bytes(Vec<Mutation>),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => (any::<Index>(), any::<Index>()).prop_map(|(p, v)| Change::Replace(p, v)),
        2 => any::<Index>().prop_map(Change::Remove),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(p, v)| Change::Unknown(p, v)),
        2 => prop::collection::vec(super::mutation(), 1..4).prop_map(Change::Bytes),
    ]
}

/// Every node's JSON pointer, the root first.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                pointers(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn remove(v: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    match v.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.remove(&last.replace("~1", "/").replace("~0", "~"));
        }
        Some(Value::Array(a)) => {
            if let Ok(i) = last.parse::<usize>()
                && i < a.len()
            {
                a.remove(i);
            }
        }
        _ => {}
    }
}

/// The body `changes` make of `base`.
fn mutate(base: &Value, changes: &[Change], odd: &[Value]) -> Vec<u8> {
    let mut body = base.clone();
    let mut bytes = None::<Vec<u8>>;
    for c in changes {
        let mut all = Vec::new();
        pointers(&body, String::new(), &mut all);
        match c {
            Change::Replace(p, v) => {
                let value = odd[v.index(odd.len())].clone();
                let at = p.get(&all).clone();
                if at.is_empty() {
                    body = value;
                } else if let Some(node) = body.pointer_mut(&at) {
                    *node = value;
                }
            }
            Change::Remove(p) => remove(&mut body, p.get::<String>(&all)),
            Change::Unknown(p, v) => {
                if let Some(Value::Object(m)) = body.pointer_mut(p.get::<String>(&all)) {
                    m.insert("unknown_field".into(), odd[v.index(odd.len())].clone());
                }
            }
            Change::Bytes(ms) => {
                let mut b = bytes
                    .take()
                    .unwrap_or_else(|| serde_json::to_vec(&body).unwrap());
                for m in ms {
                    apply(&mut b, m, BODY_TOKENS, &[]);
                }
                bytes = Some(b);
            }
        }
    }
    bytes.unwrap_or_else(|| serde_json::to_vec(&body).unwrap())
}

async fn send(
    app: &TestApp,
    s: &Session,
    method: &Method,
    url: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let resp = app
        .client
        .request(method.clone(), app.url(url))
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    split(resp).await
}

async fn fuzz_bodies(app: &TestApp) {
    let doc = common::openapi().await;
    let there = elsewhere(app).await;
    let names = ["admin", "dispatcher", "operator"];
    let mut sessions = Vec::new();
    for n in names {
        sessions.push(app.login(n).await);
    }
    let odd = odd_values();
    let seed = seed();
    let per_operation = cases(40);
    let mut config = Config::with_cases(per_operation);
    config.rng_seed = RngSeed::Fixed(seed);
    let mut runner = TestRunner::new(config);
    let strategy = prop::collection::vec(change(), 1..4);
    let (mut requests, mut operations, mut accepted) = (0, 0, 0);
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            if schema.is_null() || LEFT_OUT.contains(&path.as_str()) {
                continue;
            }
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = concrete(path, op, &there);
            let base = sample(&doc, schema, &there);
            operations += 1;
            for i in 0..per_operation as usize {
                let changes = strategy.new_tree(&mut runner).unwrap().current();
                let body = mutate(&base, &changes, &odd);
                let who = i % names.len();
                let (mut st, mut answer) = send(app, &sessions[who], &m, &url, body.clone()).await;
                if st == StatusCode::UNAUTHORIZED && path != "/api/v1/auth/login" {
                    // A body that ended the session (a revoked token, a changed role): log in
                    // again and try once more.
                    if let Ok(s) = app.try_login(names[who], common::PASSWORD).await {
                        sessions[who] = s;
                        (st, answer) = send(app, &sessions[who], &m, &url, body.clone()).await;
                    }
                }
                requests += 1;
                accepted += usize::from(st.is_success());
                let shaped = answer["code"].is_string() && answer["message"].is_string();
                if st.is_server_error() || (st.is_client_error() && !shaped) {
                    let shown: String = String::from_utf8_lossy(&body).chars().take(300).collect();
                    problems.push(format!(
                        "{method} {path} as {}: {st} {answer}\nbody: {shown}",
                        names[who]
                    ));
                }
            }
        }
    }
    println!(
        "fuzz request bodies: {requests} requests over {operations} operations, {accepted} \
         accepted, seed {seed} (JICENG_FUZZ_SEED replays it)"
    );
    assert!(
        operations >= 25,
        "only {operations} operations with a JSON body"
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[tokio::test]
async fn request_bodies_sqlite() {
    let app = common::spawn(Backend::Sqlite).await.unwrap();
    fuzz_bodies(&app).await;
}

#[tokio::test]
async fn request_bodies_postgres() {
    let Some(app) = common::spawn(Backend::Postgres).await else {
        return;
    };
    fuzz_bodies(&app).await;
}
