//! An erasure of a citizen's contact data leaves the audit log as it was: `jiceng audit
//! verify` still passes over a checkpoint signed before it, and the log never held the data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::audit::{county_with, key, verify};
use jiceng_kernel::access::Principal;
use jiceng_kernel::ports::AuditStore;
use jiceng_kernel::user::Role;
use jiceng_orders::work_order::NewWorkOrder;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_store::testing::{self, TestDb};

const PHONE: &str = "13700002222";

async fn erased_and_verified(t: TestDb) {
    let orders = jiceng_server::orders_for(t.store.clone()).with_audit_key(key());
    let (county, people) = county_with(
        &orders,
        &[
            ("operator", Role::HotlineOperator),
            ("admin", Role::Administrator),
        ],
    )
    .await;
    let [op, admin] = people.try_into().unwrap();
    for content in ["小区门口消防通道被车辆堵塞", "楼道灯坏了"] {
        let new = NewWorkOrder::parse(IntakeForm {
            caller_name: Some("王五"),
            caller_phone: Some(PHONE),
            content,
            ..Default::default()
        })
        .unwrap();
        orders
            .register_order(&Principal::from(op.clone()), new, Some(county.id), None)
            .await
            .unwrap();
    }
    let chain = jiceng_kernel::audit::chain::Chain::County(county.path.county());
    orders.make_checkpoint(chain).await.unwrap().unwrap();
    let done = orders
        .erase_personal_data(&Principal::from(admin), PHONE, None)
        .await
        .unwrap();
    assert_eq!(done.erased.len(), 2);
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = verify(&t, dir.path(), &[]);
    assert!(ok, "the log verifies after an erasure:\n{out}");
    let log = t.store.audit_page(chain, 0, 1000).await.unwrap();
    assert!(log.iter().any(|e| e.action == "personal_data.erase"));
    assert!(
        log.iter()
            .all(|e| !e.payload.text().contains(PHONE) && !e.payload.text().contains("王五"))
    );
}

#[tokio::test]
async fn sqlite_the_log_verifies_after_an_erasure() {
    erased_and_verified(testing::sqlite().await).await;
}

#[tokio::test]
async fn postgres_the_log_verifies_after_an_erasure() {
    let Some(t) = testing::postgres().await else {
        return;
    };
    erased_and_verified(t).await;
}
