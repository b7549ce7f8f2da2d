//! The audit log over HTTP: what is recorded, the trail in plain Chinese, proofs, evidence,
//! and who may see them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Backend, TestApp, spawn, test_audit_key};
use jiceng_kernel::audit::bundle::Bundle;
use jiceng_kernel::audit::merkle::{verify_consistency, verify_inclusion};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn hash(s: &Value) -> [u8; 32] {
    hex::decode(s.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn hashes(v: &Value) -> Vec<[u8; 32]> {
    v.as_array().unwrap().iter().map(hash).collect()
}

async fn actions(app: &TestApp, object: &str) -> Vec<String> {
    app.audit_for_object(object)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn walk(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let operator = app.login("operator").await;
    let dispatcher = app.login("dispatcher").await;
    let handler = app.login("dept_handler").await;
    let supervisor = app.login("supervisor").await;
    let id = common::register(&operator).await;
    let dept = app.units["dept"].id.to_string();
    let (st, _) = dispatcher
        .post(
            &format!("/api/v1/work-orders/{id}/dispatch"),
            json!({"lead_unit_id": dept}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = handler
        .post(&format!("/api/v1/work-orders/{id}/accept"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);

    // Every transition is in the log; a staff read of full contact data too, a masked one not.
    let object = format!("work_order:{id}");
    assert_eq!(
        actions(&app, &object).await,
        [
            "work_order.register",
            "work_order.dispatch",
            "work_order.accept"
        ]
    );
    let (_, masked) = supervisor.get(&format!("/api/v1/work-orders/{id}")).await;
    assert_eq!(masked["contact_masked"], true);
    assert_eq!(
        actions(&app, &object).await.len(),
        3,
        "a masked view reads nothing"
    );
    let (_, full) = dispatcher.get(&format!("/api/v1/work-orders/{id}")).await;
    assert_eq!(full["caller_phone"], "13912340000");
    assert_eq!(
        actions(&app, &object).await.last().unwrap(),
        "personal_data.read"
    );
    let (_, list) = dispatcher.get("/api/v1/work-orders").await;
    assert_eq!(
        list["items"][0]["caller_phone"], "139****0000",
        "lists mask"
    );
    // Logins are recorded, failures too.
    let _ = app.try_login("operator", "wrong-password-1").await;
    let login_actions = actions(&app, "username:operator").await;
    assert_eq!(login_actions.first().unwrap(), "auth.login");
    assert_eq!(login_actions.last().unwrap(), "auth.login_failed");
    // Nothing personal is ever written to the log.
    let all = app.audit_entries().await;
    assert!(
        all.iter().all(
            |e| !e.payload.text().contains("13912340000") && !e.payload.text().contains("李四")
        ),
        "no phone or caller name in the log"
    );

    // The trail reads as Chinese; it is pending until a checkpoint covers it.
    let (st, trail) = handler
        .get(&format!("/api/v1/work-orders/{id}/trail"))
        .await;
    assert_eq!(st, StatusCode::OK, "{trail}");
    assert_eq!(trail["status"], "pending");
    let texts: Vec<&str> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(texts[0].contains("受理登记了工单"), "{texts:?}");
    assert!(texts[1].contains("派单"), "{texts:?}");
    assert!(texts[3].contains("查看了完整个人信息"), "{texts:?}");
    let chain = app.county_chain();
    let made = app.orders.make_checkpoints().await.unwrap();
    let first = made
        .into_iter()
        .find(|c| c.checkpoint.chain == chain)
        .unwrap();
    let (_, trail) = handler
        .get(&format!("/api/v1/work-orders/{id}/trail"))
        .await;
    assert_eq!(trail["status"], "verified", "{trail}");
    assert!(
        trail["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["in_checkpoint"] == true)
    );

    // The public key verifies the checkpoints; anyone may fetch it.
    let (st, k) = common::split(
        app.client
            .get(app.url("/api/v1/audit/public-key"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        k["public_key"],
        hex::encode(test_audit_key().verifying_key().as_bytes())
    );

    // Inclusion proof of the dispatch entry, checked against the signed root.
    let seq = app.audit_for_object(&object).await[1].seq;
    let (st, p) = supervisor
        .get(&format!(
            "/api/v1/audit/proofs/inclusion?chain={chain}&seq={seq}"
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["chain"], chain.to_string());
    // Another chain's entry of that number is not this one.
    let (_, sys) = supervisor
        .get(&format!(
            "/api/v1/audit/proofs/inclusion?chain=system&seq={seq}"
        ))
        .await;
    assert_ne!(sys["leaf_hash"], p["leaf_hash"]);
    let (st, _) = supervisor
        .get("/api/v1/audit/proofs/inclusion?chain=somewhere&seq=1")
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let root = hash(&p["checkpoint"]["root"]);
    assert!(verify_inclusion(
        (seq - 1) as usize,
        p["tree_size"].as_u64().unwrap() as usize,
        &hash(&p["leaf_hash"]),
        &hashes(&p["hashes"]),
        &root
    ));
    // Consistency between two checkpoints.
    handler
        .post(
            &format!("/api/v1/work-orders/{id}/note"),
            json!({"text": "已到现场"}),
        )
        .await;
    let second = app.orders.make_checkpoint(chain).await.unwrap().unwrap();
    let (st, c) = supervisor
        .get(&format!(
            "/api/v1/audit/proofs/consistency?chain={chain}&from={}&to={}",
            first.checkpoint.size, second.checkpoint.size
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert!(verify_consistency(
        first.checkpoint.size as usize,
        second.checkpoint.size as usize,
        &first.checkpoint.root_hash().unwrap(),
        &second.checkpoint.root_hash().unwrap(),
        &hashes(&c["hashes"])
    ));
    let (st, _) = supervisor
        .get(&format!(
            "/api/v1/audit/proofs/consistency?chain={chain}&from=5&to=2"
        ))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // Evidence: for supervisors, not for handlers; it verifies with the public key.
    let (st, _) = handler
        .get(&format!("/api/v1/work-orders/{id}/evidence"))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = handler.get("/api/v1/audit/proofs/inclusion?seq=1").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, b) = supervisor
        .get(&format!("/api/v1/work-orders/{id}/evidence"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let bundle: Bundle = serde_json::from_value(b).unwrap();
    assert_eq!(bundle.verify(&test_audit_key().verifying_key()), Ok(5));
    // An order outside the caller's jurisdiction is not found, as everywhere.
    let outsider = app.login("handler_b").await;
    let (st, _) = outsider
        .get(&format!("/api/v1/work-orders/{id}/trail"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sqlite_audit_walk() {
    walk(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_audit_walk() {
    walk(Backend::Postgres).await;
}
