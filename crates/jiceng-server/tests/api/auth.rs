//! Login, sessions, CSRF, throttling, logout, password change, API tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{Backend, PASSWORD, error_code, spawn, split};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn login_sets_a_hardened_session_and_me_answers() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let s = app.login("leader_a").await;
    let session = s
        .set_cookies
        .iter()
        .find(|c| c.starts_with("jiceng_session="))
        .unwrap();
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    let csrf = s
        .set_cookies
        .iter()
        .find(|c| c.starts_with("jiceng_csrf="))
        .unwrap();
    assert!(
        !csrf.contains("HttpOnly"),
        "the UI must read the CSRF cookie"
    );
    let (st, me) = s.get("/api/v1/auth/me").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["user"]["username"], "leader_a");
    assert_eq!(me["user"]["roles"][0]["role"], "unit_leader");
    assert_eq!(
        me["user"]["phone"], "13912345678",
        "one sees one's own phone"
    );
    assert_eq!(me["csrf_token"], s.csrf.as_str());
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let (s1, b1) = app
        .try_login("leader_a", "wrong-pass-1")
        .await
        .err()
        .unwrap();
    let (s2, b2) = app.try_login("nobody", "wrong-pass-1").await.err().unwrap();
    assert_eq!(
        error_code(s1, &b1, StatusCode::UNAUTHORIZED),
        "auth.unauthenticated"
    );
    assert_eq!((s1, &b1), (s2, &b2));
}

#[tokio::test]
async fn repeated_failures_lock_the_username() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    for _ in 0..5 {
        assert!(app.try_login("handler_a", "wrong-pass-1").await.is_err());
    }
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "handler_a", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("retry-after").is_some());
    let (st, body) = split(resp).await;
    assert_eq!(
        error_code(st, &body, StatusCode::TOO_MANY_REQUESTS),
        "auth.throttled"
    );
    // Another account is not locked by this one's failures.
    app.login("handler_b").await;
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let s = app.login("admin").await;
    let before = app.unit_count().await;
    let body = json!({"parent_id": app.units["county"].id, "kind": "town", "name": "新建镇"});
    let (st, b) = s
        .without_csrf()
        .post("/api/v1/org-units", body.clone())
        .await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.csrf");
    let mut wrong = s.clone();
    wrong.csrf = "0".repeat(64);
    let (st, b) = wrong.post("/api/v1/org-units", body.clone()).await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.csrf");
    assert_eq!(
        app.unit_count().await,
        before,
        "nothing written without CSRF"
    );
    // Reads need no token.
    assert_eq!(
        s.without_csrf().get("/api/v1/org-units").await.0,
        StatusCode::OK
    );
    let (st, _) = s.post("/api/v1/org-units", body).await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(app.unit_count().await, before + 1);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let s = app.login("supervisor").await;
    let (st, _) = s.call(Method::POST, "/api/v1/auth/logout", None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, b) = s.get("/api/v1/auth/me").await;
    assert_eq!(
        error_code(st, &b, StatusCode::UNAUTHORIZED),
        "auth.unauthenticated"
    );
}

#[tokio::test]
async fn no_credentials_is_401() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    for path in ["/api/v1/auth/me", "/api/v1/org-units", "/api/v1/users"] {
        let (st, b) = split(app.client.get(app.url(path)).send().await.unwrap()).await;
        assert_eq!(
            error_code(st, &b, StatusCode::UNAUTHORIZED),
            "auth.unauthenticated",
            "{path}"
        );
    }
    let (st, b) = split(
        app.client
            .get(app.url("/api/v1/auth/me"))
            .header("cookie", "jiceng_session=forged")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::UNAUTHORIZED),
        "auth.unauthenticated"
    );
}

#[tokio::test]
async fn password_change_ends_other_sessions() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let s1 = app.login("handler_a").await;
    let s2 = app.login("handler_a").await;
    let (st, b) = s1
        .post(
            "/api/v1/auth/password",
            json!({"current_password": "wrong-pass-9", "new_password": "brand-new-9"}),
        )
        .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "auth.wrong_password"
    );
    let (st, b) = s1
        .post(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "user.weak_password"
    );
    let (st, _) = s1
        .post(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": "brand-new-9"}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(
        s1.get("/api/v1/auth/me").await.0,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        s2.get("/api/v1/auth/me").await.0,
        StatusCode::UNAUTHORIZED,
        "the other ends"
    );
    assert!(app.try_login("handler_a", PASSWORD).await.is_err());
    assert!(app.try_login("handler_a", "brand-new-9").await.is_ok());
}

#[tokio::test]
async fn api_tokens_authenticate_without_csrf_and_can_be_revoked() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let s = app.login("admin").await;
    let (st, issued) = s
        .post(
            "/api/v1/auth/tokens",
            json!({"name": "数据同步", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let secret = issued["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("jct_"));
    let (_, list) = s.get("/api/v1/auth/tokens").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(
        !list.to_string().contains(&secret),
        "the secret is shown once only"
    );

    let bearer = |m: Method, p: &str| {
        app.client
            .request(m, app.url(p))
            .header("authorization", format!("Bearer {secret}"))
    };
    let (st, me) = split(bearer(Method::GET, "/api/v1/auth/me").send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["user"]["username"], "admin");
    let body =
        json!({"parent_id": app.units["county"].id, "kind": "department", "name": "医疗保障局"});
    let (st, _) = split(
        bearer(Method::POST, "/api/v1/org-units")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "token clients need no CSRF token");

    // Another user cannot revoke it; the owner can, after which it no longer works.
    let other = app.login("supervisor").await;
    let id = issued["token"]["id"].as_str().unwrap();
    let (st, _) = other
        .call(Method::DELETE, &format!("/api/v1/auth/tokens/{id}"), None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = s
        .call(Method::DELETE, &format!("/api/v1/auth/tokens/{id}"), None)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = split(bearer(Method::GET, "/api/v1/auth/me").send().await.unwrap()).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn disabled_users_cannot_log_in_and_lose_their_sessions() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let admin = app.login("admin").await;
    let victim = app.login("handler_b").await;
    let id = app.users["handler_b"];
    let (st, _) = admin
        .post(&format!("/api/v1/users/{id}/disable"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        victim.get("/api/v1/auth/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (st, b) = app.try_login("handler_b", PASSWORD).await.err().unwrap();
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.disabled");
}

#[tokio::test]
async fn login_works_on_postgres() {
    let Some(app) = spawn(Backend::Postgres).await else {
        return;
    };
    let s = app.login("admin").await;
    let (st, body) = s.get("/api/v1/org-units?limit=100").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["items"].as_array().unwrap().len(), 7);
}
