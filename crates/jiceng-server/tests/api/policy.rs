//! The checks that ask the access-policy table for what used to be decided by roles: for each,
//! a role outside its row gets 403 with the error body, a role inside gets 200.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, Session, TestApp, error_code, spawn};
use jiceng_kernel::access::Permission;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `path` answers `outside` with 403 `{code, message}` (the table's message when `denied` is
/// given) and `inside` with 200.
async fn gate(path: &str, outside: &Session, inside: &Session, denied: Option<Permission>) {
    let (st, b) = outside.get(path).await;
    assert_eq!(
        error_code(st, &b, StatusCode::FORBIDDEN),
        "auth.forbidden",
        "{path}"
    );
    if let Some(p) = denied {
        assert_eq!(b["message"], p.rule().denied, "{path}");
    }
    let (st, b) = inside.get(path).await;
    assert_eq!(st, StatusCode::OK, "{path}: {b}");
}

async fn moved_checks_ask_the_table(app: &TestApp) {
    let admin = app.login("admin").await;
    let admin_a = app.login("admin_a").await;
    let leader_a = app.login("leader_a").await;
    let handler_a = app.login("handler_a").await;
    let supervisor = app.login("supervisor").await;
    let dispatcher = app.login("dispatcher").await;
    let operator = app.login("operator").await;
    let id = common::register(&operator).await;

    // The supervisor's board and the time-limit figures (ReadOversight).
    gate(
        "/api/v1/sla/escalations",
        &handler_a,
        &leader_a,
        Some(Permission::ReadOversight),
    )
    .await;
    let figures = format!(
        "/api/v1/sla/figures?unit={}&from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z",
        app.units["town_a"].id
    );
    gate(
        &figures,
        &dispatcher,
        &leader_a,
        Some(Permission::ReadOversight),
    )
    .await;

    // Audit proofs and evidence (ReadAuditProofs).
    assert!(!app.orders.make_checkpoints().await.unwrap().is_empty());
    gate(
        "/api/v1/audit/proofs/inclusion?chain=system&seq=1",
        &dispatcher,
        &supervisor,
        Some(Permission::ReadAuditProofs),
    )
    .await;
    gate(
        &format!("/api/v1/work-orders/{id}/evidence"),
        &operator,
        &supervisor,
        Some(Permission::ReadAuditProofs),
    )
    .await;

    // System-wide actions: an administrator of a town is outside, the county's is inside.
    gate(
        "/api/v1/models",
        &admin_a,
        &admin,
        Some(Permission::ManageModels),
    )
    .await;
    gate(
        "/api/v1/admin/metrics",
        &admin_a,
        &admin,
        Some(Permission::ReadServerMetrics),
    )
    .await;

    // The inboxes, each by the action it lists.
    for (inbox, outside, inside) in [
        ("to_sign", &dispatcher, &handler_a),
        ("to_handle", &dispatcher, &handler_a),
        ("to_review", &handler_a, &leader_a),
        ("to_dispatch", &operator, &dispatcher),
        ("returned", &operator, &dispatcher),
        ("to_follow_up", &handler_a, &operator),
        ("extensions", &dispatcher, &supervisor),
    ] {
        gate(
            &format!("/api/v1/work-orders/inbox/{inbox}"),
            outside,
            inside,
            None,
        )
        .await;
    }

    // Correcting a category (DispatchOrders).
    let path = format!("/api/v1/work-orders/{id}/category-correction");
    let body = json!({"category": "交通运输"});
    let (st, b) = handler_a.post(&path, body.clone()).await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.forbidden");
    let (st, b): (StatusCode, Value) = dispatcher.post(&path, body).await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

on_both_apps!(moved_checks_ask_the_table);
