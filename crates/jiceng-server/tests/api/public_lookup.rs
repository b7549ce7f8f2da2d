//! The citizens' public lookup against guessing: a phone's hidden digits and counted order
//! numbers find nothing, repeated failures are slowed down with 429 and recorded, and the
//! tracking code of the receipt opens the order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, TestApp, error_code, spawn, split};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PHONE: &str = "13912344321";

async fn register(app: &TestApp, phone: &str) -> Value {
    let op = app.login("operator").await;
    let (st, o) = op
        .post(
            "/api/v1/work-orders",
            json!({"caller_name": "王五", "caller_phone": phone, "content": "小区门口路灯不亮"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{o}");
    o
}

async fn lookup(app: &TestApp, number: &str, query: &str) -> (StatusCode, Option<String>, Value) {
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/public/work-orders/{number}?{query}")))
        .send()
        .await
        .unwrap();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let (st, v) = split(resp).await;
    (st, retry, v)
}

/// The attack: the phone as staff see it (`139****4321`), its hidden digits tried in a
/// loop, with and without a guessed code. Nothing is found, only a few tries are answered at
/// all, the rest get 429 with Retry-After.
async fn hidden_digits_are_not_guessed(app: &mut TestApp) {
    let o = register(app, PHONE).await;
    let number = o["number"].as_str().unwrap().to_owned();
    let mut not_found = 0;
    let mut throttled = 0;
    for guess in 0..60u32 {
        let phone = format!("139{:04}4321", 1234 - 30 + guess);
        let query = if guess < 40 {
            format!("phone={phone}")
        } else {
            format!("phone={phone}&code=ABCD2345")
        };
        let (st, retry, v) = lookup(app, &number, &query).await;
        assert_ne!(st, StatusCode::OK, "guess {phone} found the order: {v}");
        match st {
            StatusCode::NOT_FOUND => {
                assert_eq!(v["code"], "work_order.not_found");
                not_found += 1;
            }
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(retry.is_some(), "429 without Retry-After");
                assert_eq!(v["code"], "lookup.throttled");
                assert!(!v["message"].as_str().unwrap().is_empty());
                throttled += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert!(not_found <= 5, "{not_found} guesses were evaluated");
    assert_eq!(not_found + throttled, 60);
    // Repeated failures are in the audit log, without phone or code.
    let refused = app.audit_for_object(&format!("lookup:{number}")).await;
    assert!(!refused.is_empty(), "repeated failures are audited");
    for e in &refused {
        let p = e.payload.text();
        assert!(!p.contains("4321") && !p.contains("ABCD2345"), "{p}");
    }
}

/// The right number, phone and code open the order; the same number and phone without the
/// code, or with a wrong one, answer exactly like a missing order.
async fn the_receipt_code_opens_the_order(app: &mut TestApp) {
    let o = register(app, PHONE).await;
    let number = o["number"].as_str().unwrap();
    let code = o["tracking_code"].as_str().expect("the code is shown once");
    assert_eq!(code.len(), 8);
    let (st, _, v) = lookup(app, number, &format!("phone={PHONE}&code={code}")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["number"], number);
    let (s1, _, b1) = lookup(app, number, &format!("phone={PHONE}")).await;
    let (s2, _, b2) = lookup(app, number, &format!("phone={PHONE}&code=ZZZZ9999")).await;
    let (s3, _, b3) = lookup(
        app,
        "JC20990101000001",
        &format!("phone={PHONE}&code={code}"),
    )
    .await;
    assert_eq!(
        error_code(s1, &b1, StatusCode::NOT_FOUND),
        "work_order.not_found"
    );
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!((s1, &b1), (s3, &b3));
    // Staff never see the code again: not on the order, not in lists.
    let sup = app.login("supervisor").await;
    let (_, page) = sup.get("/api/v1/work-orders").await;
    let (_, one) = sup
        .get(&format!(
            "/api/v1/work-orders/{}",
            o["id"].as_str().unwrap()
        ))
        .await;
    assert!(!page.to_string().contains(code) && !one.to_string().contains(code));
}

/// A known phone's orders are not found by counting order numbers.
async fn counted_numbers_find_nothing(app: &mut TestApp) {
    let first = register(app, PHONE).await;
    register(app, PHONE).await;
    let number = first["number"].as_str().unwrap();
    let prefix = &number[..number.len() - 6];
    for seq in 1..=20u32 {
        let (st, _, v) = lookup(app, &format!("{prefix}{seq:06}"), &format!("phone={PHONE}")).await;
        assert!(
            st == StatusCode::NOT_FOUND || st == StatusCode::TOO_MANY_REQUESTS,
            "number {seq}: {st} {v}"
        );
    }
}

on_both_apps!(
    hidden_digits_are_not_guessed,
    the_receipt_code_opens_the_order,
    counted_numbers_find_nothing
);

#[tokio::test]
async fn lookup_without_any_order_is_throttled_per_address() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let mut throttled = 0;
    for seq in 1..=12u32 {
        let (st, retry, _) = lookup(
            &app,
            &format!("JC20261124{seq:06}"),
            "phone=13900000000&code=ABCD2345",
        )
        .await;
        if st == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry.is_some());
            throttled += 1;
        }
    }
    assert!(throttled >= 6, "only {throttled} of 12 refused");
}
