//! Bad input: every malformed request gets a 4xx with `{code, message}` and writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{Backend, error_code, spawn, split};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn malformed_requests_are_rejected_cleanly() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let s = app.login("admin").await;
    let units = app.unit_count().await;
    let users = app.user_count().await;
    let county = app.units["county"].id;
    let raw = |method: Method, path: &str, body: &'static str| {
        app.client
            .request(method, app.url(path))
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .header("content-type", "application/json")
            .body(body)
    };

    let (st, b) = split(
        raw(Method::POST, "/api/v1/org-units", "{\"name\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "request.malformed_json"
    );

    let cases = [
        (
            json!({"parent_id": county, "kind": "town", "name": 42}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_body",
        ),
        (
            json!({"parent_id": "not-a-uuid", "kind": "town", "name": "镇"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_body",
        ),
        (
            json!({"parent_id": county, "kind": "kingdom", "name": "镇"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_body",
        ),
        (
            json!({"parent_id": county, "kind": "town", "name": "镇", "extra": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_body",
        ),
        (
            json!({"parent_id": county, "kind": "town", "name": "长".repeat(65)}),
            StatusCode::BAD_REQUEST,
            "org_unit.invalid_name",
        ),
        (
            json!({"parent_id": county, "kind": "town", "name": "   "}),
            StatusCode::BAD_REQUEST,
            "org_unit.invalid_name",
        ),
        (
            json!({"parent_id": county, "kind": "town", "name": "镇", "code": "12;DROP"}),
            StatusCode::BAD_REQUEST,
            "org_unit.invalid_code",
        ),
        (
            json!({"parent_id": county, "kind": "grid", "name": "格", "geometry": {"type": "Point"}}),
            StatusCode::BAD_REQUEST,
            "org_unit.invalid_geometry",
        ),
        (
            json!({"parent_id": uuid::Uuid::now_v7(), "kind": "town", "name": "镇"}),
            StatusCode::NOT_FOUND,
            "org_unit.not_found",
        ),
    ];
    for (body, status, code) in cases {
        let (st, b) = s.post("/api/v1/org-units", body.clone()).await;
        assert_eq!(error_code(st, &b, status), code, "{body}");
    }

    let user_cases = [
        (
            json!({"username": "x", "display_name": "某", "password": "long-enough-1", "roles": []}),
            "user.invalid_username",
        ),
        (
            json!({"username": "okname", "display_name": "某", "password": "long-enough-1", "roles": []}),
            "user.no_role",
        ),
        (
            json!({"username": "okname", "display_name": "某", "phone": "call me", "password": "long-enough-1",
                "roles": [{"role": "dispatcher", "unit_id": county}]}),
            "user.invalid_phone",
        ),
        (
            json!({"username": "okname", "display_name": "某", "password": "x".repeat(10_000),
                "roles": [{"role": "dispatcher", "unit_id": county}]}),
            "user.weak_password",
        ),
    ];
    for (body, code) in user_cases {
        let (st, b) = s.post("/api/v1/users", body.clone()).await;
        assert_eq!(error_code(st, &b, StatusCode::BAD_REQUEST), code);
    }

    let (st, b) = s.get("/api/v1/org-units/not-a-uuid").await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "request.invalid_id"
    );
    let (st, b) = s.get("/api/v1/users/12345").await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "request.invalid_id"
    );
    let (st, b) = s.get("/api/v1/org-units?limit=abc").await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "request.invalid_query"
    );
    let (st, b) = s.get("/api/v1/org-units?kind=kingdom").await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "request.invalid_query"
    );
    let (st, b) = s.get("/api/v1/nothing-here").await;
    assert_eq!(
        error_code(st, &b, StatusCode::NOT_FOUND),
        "request.not_found"
    );

    let big = format!(
        "{{\"parent_id\": \"{county}\", \"kind\": \"town\", \"name\": \"{}\"}}",
        "镇".repeat(40_000)
    );
    let (st, b) = split(
        app.client
            .post(app.url("/api/v1/org-units"))
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::PAYLOAD_TOO_LARGE),
        "request.too_large"
    );

    let (st, b) = split(
        app.client
            .post(app.url("/api/v1/org-units"))
            .header("cookie", &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .body("name=x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        "request.content_type"
    );

    let (st, b) = split(
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": "p".repeat(100_000)}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(st.is_client_error(), "{st} {b}");

    assert_eq!(
        app.unit_count().await,
        units,
        "no unit written by bad input"
    );
    assert_eq!(
        app.user_count().await,
        users,
        "no user written by bad input"
    );
    assert_eq!(
        s.get("/api/v1/auth/me").await.0,
        StatusCode::OK,
        "server still answers"
    );
}

#[tokio::test]
async fn health_metrics_openapi_and_headers() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    let (st, b) = split(resp).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b["database"], "sqlite");

    let (st, doc) = split(
        app.client
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/tokens/{id}",
        "/api/v1/org-units",
        "/api/v1/org-units/{id}",
        "/api/v1/users",
        "/api/v1/users/{id}/roles/{role}/{unit_id}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"].get("ErrorBody").is_some());

    let admin = app.login("admin").await;
    // Off the public API: the address is a page of the web UI like any unknown one, never the
    // figures.
    let page = app.client.get(app.url("/metrics")).send().await.unwrap();
    let text = page.text().await.unwrap();
    assert!(!text.contains("http_requests_total"), "{text}");
    // On the metrics listener.
    let metrics = app.metrics_text().await;
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/api/v1/auth/login\""));
    // Administrators of the top-level unit read them through the API; nobody else does.
    let (st, text) = admin.get("/api/v1/admin/metrics").await;
    assert_eq!(st, StatusCode::OK);
    assert!(text.as_str().unwrap().contains("http_requests_total"));
    let (st, b) = app
        .login("admin_a")
        .await
        .get("/api/v1/admin/metrics")
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["code"], "auth.forbidden");
    let (st, _) = split(
        app.client
            .get(app.url("/api/v1/admin/metrics"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

/// A NUL character (which PostgreSQL cannot store in text) is refused at the door, the same on
/// both backends, in a body, a query and a path; a backslash before `u0000` is ordinary text.
async fn nul_characters_are_refused(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let operator = app.login("operator").await;
    let orders = app.order_count().await;
    let (st, b) = split(
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(r#"{"username": "admin\u0000", "password": "x"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "request.nul_character"
    );
    let register = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/work-orders"))
            .header("cookie", &operator.cookie)
            .header("x-csrf-token", &operator.csrf)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let (st, b) = split(
        register(r#"{"channel": "hotline", "content": "路灯不亮\u0000，夜间行人看不清路面。"}"#)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(st, &b, StatusCode::BAD_REQUEST),
        "request.nul_character"
    );
    assert_eq!(app.order_count().await, orders, "nothing registered");
    let (st, b) = split(
        register(
            r#"{"channel": "hotline", "content": "路径写作 C:\\u0000 的文件夹打不开，来电咨询。"}"#,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "an escaped backslash is text: {b}");
    assert!(b["content"].as_str().unwrap().contains("C:\\u0000"), "{b}");
    for path in [
        "/api/v1/org-units?name=%00",
        "/api/v1/work-orders?q=%E8%B7%AF%00",
        "/api/v1/work-orders/%00",
    ] {
        let (st, b) = operator.get(path).await;
        assert_eq!(
            error_code(st, &b, StatusCode::BAD_REQUEST),
            "request.nul_character",
            "{path}"
        );
    }
}

#[tokio::test]
async fn nul_characters_are_refused_sqlite() {
    nul_characters_are_refused(Backend::Sqlite).await;
}

#[tokio::test]
async fn nul_characters_are_refused_postgres() {
    nul_characters_are_refused(Backend::Postgres).await;
}
