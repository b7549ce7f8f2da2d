//! What browsers are told and allowed: security headers on every answer, HSTS only behind
//! HTTPS, CORS closed, state changes from other origins refused, a fresh session at each login.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, PASSWORD, TestApp, error_code, spawn, split};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::HashMap;

/// The policy's directives, by name.
fn csp(h: &HeaderMap) -> HashMap<String, Vec<String>> {
    let v = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("no Content-Security-Policy in {h:?}"))
        .to_str()
        .unwrap();
    v.split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace().map(str::to_owned);
            Some((words.next()?, words.collect()))
        })
        .collect()
}

fn assert_hardened(h: &HeaderMap, what: &str) {
    let p = csp(h);
    let raw = h["content-security-policy"].to_str().unwrap();
    assert!(
        !raw.contains("unsafe-inline") && !raw.contains("unsafe-eval"),
        "{what}: {raw}"
    );
    let want: [(&str, &[&str]); 10] = [
        ("default-src", &["'self'"]),
        ("script-src", &["'self'"]),
        ("style-src", &["'self'"]),
        ("img-src", &["'self'", "data:", "blob:"]),
        ("font-src", &["'self'", "data:"]),
        ("connect-src", &["'self'"]),
        ("object-src", &["'none'"]),
        ("base-uri", &["'self'"]),
        ("form-action", &["'self'"]),
        ("frame-ancestors", &["'none'"]),
    ];
    for (name, values) in want {
        assert_eq!(
            p.get(name)
                .map(|v| v.iter().map(String::as_str).collect::<Vec<_>>()),
            Some(values.to_vec()),
            "{what}: {name} in {raw}"
        );
    }
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        assert_eq!(
            h.get(name).map(|v| v.to_str().unwrap()),
            Some(value),
            "{what}: {name}"
        );
    }
    let perms = h["permissions-policy"].to_str().unwrap();
    assert!(
        perms.contains("camera=()") && perms.contains("microphone=()"),
        "{what}: {perms}"
    );
}

async fn every_answer_carries_the_security_headers(app: &TestApp) {
    let s = app.login("dispatcher").await;
    let c = &app.client;
    let answers = [
        ("health", c.get(app.url("/healthz")).send().await.unwrap()),
        (
            "UI path",
            c.get(app.url("/index.html")).send().await.unwrap(),
        ),
        (
            "404",
            c.get(app.url("/api/v1/nothing-here")).send().await.unwrap(),
        ),
        (
            "401",
            c.get(app.url("/api/v1/auth/me")).send().await.unwrap(),
        ),
        (
            "400",
            c.post(app.url("/api/v1/auth/login"))
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap(),
        ),
        (
            "list",
            c.get(app.url("/api/v1/work-orders"))
                .header("cookie", &s.cookie)
                .send()
                .await
                .unwrap(),
        ),
        (
            "document",
            c.get(app.url("/api/v1/openapi.json")).send().await.unwrap(),
        ),
    ];
    for (what, resp) in answers {
        let h = resp.headers().clone();
        assert_hardened(&h, what);
        assert!(
            h.get("strict-transport-security").is_none(),
            "{what}: plain HTTP"
        );
        if resp.url().path().starts_with("/api/") {
            assert_eq!(h["cache-control"], "no-store", "{what}");
        }
    }
}

async fn hsts_only_when_served_over_https(app: &mut TestApp) {
    let get = |app: &TestApp| app.client.get(app.url("/healthz")).send();
    let h = get(app).await.unwrap().headers().clone();
    assert!(h.get("strict-transport-security").is_none(), "{h:?}");
    app.secure_cookies = true;
    app.restart().await;
    for resp in [
        get(app).await.unwrap(),
        app.client
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap(),
    ] {
        let hsts = resp.headers()["strict-transport-security"]
            .to_str()
            .unwrap();
        let age: u64 = hsts.trim_start_matches("max-age=").parse().unwrap();
        assert!(age >= 180 * 24 * 3600, "{hsts}");
    }
    let s = app.login("dispatcher").await;
    assert!(
        s.set_cookies.iter().all(|c| c.contains("; Secure")),
        "{:?}",
        s.set_cookies
    );
}

fn allow_headers(h: &HeaderMap) -> Vec<String> {
    h.keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

async fn cors_is_closed(app: &TestApp) {
    let s = app.login("dispatcher").await;
    for path in [
        "/api/v1/work-orders",
        "/api/v1/auth/login",
        "/api/v1/auth/me",
    ] {
        let resp = app
            .client
            .request(Method::OPTIONS, app.url(path))
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, x-csrf-token",
            )
            .send()
            .await
            .unwrap();
        assert!(!resp.status().is_success(), "{path}: {}", resp.status());
        assert_eq!(
            allow_headers(resp.headers()),
            Vec::<String>::new(),
            "preflight {path}"
        );
    }
    let resp = app
        .client
        .get(app.url("/api/v1/work-orders"))
        .header("origin", "https://evil.example")
        .header("cookie", &s.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        allow_headers(resp.headers()),
        Vec::<String>::new(),
        "simple GET"
    );
}

async fn cross_origin_state_changes_are_refused(app: &TestApp) {
    let s = app.login("admin").await;
    let before = app.unit_count().await;
    let new_unit =
        |name: &str| json!({"parent_id": app.units["county"].id, "kind": "town", "name": name});
    let send = |headers: Vec<(&'static str, String)>, name: &str| {
        let mut req = app
            .client
            .post(app.url("/api/v1/org-units"))
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .json(&new_unit(name));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    // The session cookie and even its CSRF token do not make a foreign page's request pass.
    for headers in [
        vec![("origin", "https://evil.example".to_owned())],
        vec![("origin", "null".to_owned())],
        vec![("origin", app.base.replace("127.0.0.1", "127.0.0.2"))],
        vec![("sec-fetch-site", "cross-site".to_owned())],
        vec![
            ("sec-fetch-site", "same-site".to_owned()),
            ("origin", app.base.clone()),
        ],
    ] {
        let (st, b) = split(send(headers.clone(), "跨站镇").await.unwrap()).await;
        assert_eq!(
            error_code(st, &b, StatusCode::FORBIDDEN),
            "auth.csrf",
            "{headers:?}"
        );
    }
    assert_eq!(
        app.unit_count().await,
        before,
        "nothing written from another origin"
    );
    // A page of this origin, and a client that is no browser page, still can.
    for (headers, name) in [
        (vec![("origin", app.base.clone())], "同源镇"),
        (
            vec![("sec-fetch-site", "same-origin".to_owned())],
            "同源二镇",
        ),
        (vec![], "脚本镇"),
    ] {
        let (st, b) = split(send(headers, name).await.unwrap()).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {b}");
    }
    assert_eq!(app.unit_count().await, before + 3);
    // Login CSRF: a foreign page cannot log the browser in as someone else.
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("origin", "https://evil.example")
        .json(&json!({"username": "dispatcher", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("set-cookie").is_none());
    let (st, b) = split(resp).await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.csrf");
}

/// Logs in as `user` from a browser that sends `cookie`; the new session's cookie.
async fn login_carrying(app: &TestApp, user: &str, cookie: &str) -> String {
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("cookie", cookie)
        .json(&json!({"username": user, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let set = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    set.split(';').next().unwrap().to_owned()
}

async fn me(app: &TestApp, cookie: &str) -> StatusCode {
    let resp = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    resp.status()
}

async fn login_never_adopts_a_presented_session(app: &TestApp) {
    let first = app.login("handler_a").await;
    let second = login_carrying(app, "handler_a", &first.cookie).await;
    assert_ne!(second, first.cookie, "a new session id at every login");
    assert_eq!(me(app, &second).await, StatusCode::OK);
    assert_eq!(
        me(app, &first.cookie).await,
        StatusCode::UNAUTHORIZED,
        "the old one ended"
    );
    // A planted id is not taken over: the server issues its own, and the planted one stays dead.
    let planted = "jiceng_session=attacker-chosen-id-0123456789abcdef";
    let issued = login_carrying(app, "handler_a", planted).await;
    assert_ne!(issued, planted);
    assert_eq!(me(app, &issued).await, StatusCode::OK);
    assert_eq!(me(app, planted).await, StatusCode::UNAUTHORIZED);
    // Someone else logging in on this browser ends the session it had.
    let other = login_carrying(app, "handler_b", &issued).await;
    assert_eq!(me(app, &issued).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(app, &other).await, StatusCode::OK);
    // A wrong password ends nothing.
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("cookie", &other)
        .json(&json!({"username": "handler_b", "password": "wrong-pass-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(me(app, &other).await, StatusCode::OK);
}

on_both_apps!(
    every_answer_carries_the_security_headers,
    hsts_only_when_served_over_https,
    cors_is_closed,
    cross_origin_state_changes_are_refused,
    login_never_adopts_a_presented_session,
);
