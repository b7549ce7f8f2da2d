//! Jurisdiction and roles, endpoint group by endpoint group: outside the jurisdiction an
//! object answers exactly like a missing one; a role without the permission gets 403.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{Backend, TestApp, error_code, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn org_units_are_scoped(app: &TestApp) {
    let leader = app.login("leader_a").await;
    let (st, body) = leader.get("/api/v1/org-units").await;
    assert_eq!(st, StatusCode::OK);
    let seen = ids(&body);
    let want: Vec<String> = ["town_a", "comm_a", "grid_a"]
        .iter()
        .map(|k| app.units[k].id.to_string())
        .collect();
    assert_eq!(
        seen, want,
        "a street's staff see only their street's subtree"
    );

    let outside = app.units["town_b"].id;
    let missing = uuid::Uuid::now_v7();
    let (s1, b1) = leader.get(&format!("/api/v1/org-units/{outside}")).await;
    let (s2, b2) = leader.get(&format!("/api/v1/org-units/{missing}")).await;
    assert_eq!(
        error_code(s1, &b1, StatusCode::NOT_FOUND),
        "org_unit.not_found"
    );
    assert_eq!(
        (s1, b1),
        (s2, b2),
        "out of jurisdiction is indistinguishable from absent"
    );
    let (st, _) = leader
        .get(&format!("/api/v1/org-units/{}", app.units["grid_a"].id))
        .await;
    assert_eq!(st, StatusCode::OK);

    let sup = app.login("supervisor").await;
    let (_, body) = sup.get("/api/v1/org-units").await;
    assert_eq!(
        ids(&body).len(),
        7,
        "a county supervisor sees the whole county"
    );

    let citizen = app.login("citizen").await;
    let (st, b) = citizen.get("/api/v1/org-units").await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.forbidden");
    let (st, _) = citizen
        .get(&format!("/api/v1/org-units/{}", app.units["county"].id))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

async fn org_changes_are_scoped(app: &TestApp) {
    let admin_a = app.login("admin_a").await;
    let before = app.unit_count().await;
    let into_b = json!({"parent_id": app.units["town_b"].id, "kind": "village", "name": "越权村"});
    let (st, b) = admin_a.post("/api/v1/org-units", into_b).await;
    assert_eq!(
        error_code(st, &b, StatusCode::NOT_FOUND),
        "org_unit.not_found"
    );
    let (st, _) = admin_a
        .call(
            Method::PATCH,
            &format!("/api/v1/org-units/{}", app.units["town_b"].id),
            Some(json!({"name": "改名"})),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(app.unit_count().await, before, "nothing written");

    let leader = app.login("leader_a").await;
    let into_a =
        json!({"parent_id": app.units["town_a"].id, "kind": "community", "name": "新社区"});
    let (st, b) = leader.post("/api/v1/org-units", into_a.clone()).await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.forbidden");
    let (st, created) = admin_a.post("/api/v1/org-units", into_a).await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(created["kind_label"], "社区");
    assert_eq!(created["depth"], 3);
    let bad_place = json!({"parent_id": app.units["town_a"].id, "kind": "county", "name": "错层"});
    let (st, b) = admin_a.post("/api/v1/org-units", bad_place).await;
    assert_eq!(
        error_code(st, &b, StatusCode::UNPROCESSABLE_ENTITY),
        "org_unit.invalid_parent"
    );
}

async fn users_are_scoped_and_masked(app: &TestApp) {
    let leader = app.login("leader_a").await;
    let (st, body) = leader.get("/api/v1/users").await;
    assert_eq!(st, StatusCode::OK);
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        vec!["admin_a", "gridworker", "handler_a", "leader_a"]
    );
    let other = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "handler_a")
        .unwrap();
    assert_eq!(other["phone"], "139****5678", "leaders see masked phones");
    assert_eq!(other["phone_masked"], true);

    let (s1, b1) = leader
        .get(&format!("/api/v1/users/{}", app.users["supervisor"]))
        .await;
    let (s2, b2) = leader
        .get(&format!("/api/v1/users/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(error_code(s1, &b1, StatusCode::NOT_FOUND), "user.not_found");
    assert_eq!((s1, b1), (s2, b2));

    let admin = app.login("admin").await;
    let (_, u) = admin
        .get(&format!("/api/v1/users/{}", app.users["handler_a"]))
        .await;
    assert_eq!(
        u["phone"], "13912345678",
        "administrators see full personal data"
    );

    let handler = app.login("handler_a").await;
    let (st, b) = handler.get("/api/v1/users").await;
    assert_eq!(error_code(st, &b, StatusCode::FORBIDDEN), "auth.forbidden");
    let (st, _) = handler
        .get(&format!("/api/v1/users/{}", app.users["handler_a"]))
        .await;
    assert_eq!(st, StatusCode::OK, "everyone may read themselves");
    let citizen = app.login("citizen").await;
    let (st, _) = citizen.get("/api/v1/users").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = citizen
        .get(&format!("/api/v1/users/{}", app.users["admin"]))
        .await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "a citizen cannot reach staff endpoints"
    );
}

async fn user_changes_are_scoped(app: &TestApp) {
    let admin_a = app.login("admin_a").await;
    let before = app.user_count().await;
    let new_user = |unit: &str| {
        json!({"username": "newbie", "display_name": "新人", "password": "welcome-2026x",
               "roles": [{"role": "unit_handler", "unit_id": app.units[unit].id}]})
    };
    let (st, b) = admin_a.post("/api/v1/users", new_user("town_b")).await;
    assert_eq!(
        error_code(st, &b, StatusCode::NOT_FOUND),
        "org_unit.not_found"
    );
    assert_eq!(app.user_count().await, before, "nothing written");
    let id_b = app.users["handler_b"];
    for (m, path, body) in [
        (Method::POST, format!("/api/v1/users/{id_b}/disable"), None),
        (
            Method::POST,
            format!("/api/v1/users/{id_b}/password"),
            Some(json!({"password": "hijack-pass-1"})),
        ),
        (
            Method::POST,
            format!("/api/v1/users/{id_b}/roles"),
            Some(json!({"role": "dispatcher", "unit_id": app.units["town_a"].id})),
        ),
    ] {
        let (st, _) = admin_a.call(m, &path, body).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(
        app.try_login("handler_b", common::PASSWORD).await.is_ok(),
        "handler_b untouched"
    );

    let leader = app.login("leader_a").await;
    let (st, _) = leader.post("/api/v1/users", new_user("town_a")).await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "leaders read users but do not manage them"
    );

    let (st, created) = admin_a.post("/api/v1/users", new_user("town_a")).await;
    assert_eq!(st, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let (st, b) = admin_a.post("/api/v1/users", new_user("town_a")).await;
    assert_eq!(
        error_code(st, &b, StatusCode::CONFLICT),
        "user.duplicate_username"
    );
    let grant = json!({"role": "grid_worker", "unit_id": app.units["grid_a"].id});
    let (st, u) = admin_a
        .post(&format!("/api/v1/users/{id}/roles"), grant.clone())
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(u["roles"].as_array().unwrap().len(), 2);
    let (st, _) = admin_a
        .post(&format!("/api/v1/users/{id}/roles"), grant)
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let grid = app.units["grid_a"].id;
    let (st, u) = admin_a
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{id}/roles/grid_worker/{grid}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(u["roles"].as_array().unwrap().len(), 1);
    let town = app.units["town_a"].id;
    let (st, b) = admin_a
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{id}/roles/unit_handler/{town}"),
            None,
        )
        .await;
    assert_eq!(
        error_code(st, &b, StatusCode::UNPROCESSABLE_ENTITY),
        "user.last_role"
    );
    assert!(app.try_login("newbie", "welcome-2026x").await.is_ok());
}

on_both_apps!(
    org_units_are_scoped,
    org_changes_are_scoped,
    users_are_scoped_and_masked,
    user_changes_are_scoped
);
