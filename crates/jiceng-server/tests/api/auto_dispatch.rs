//! The dispatch hook: a confident advisor dispatches at intake, with its explanation in the
//! history; an unsure or failing one leaves the order in the dispatcher's queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use async_trait::async_trait;
use common::{Backend, spawn};
use jiceng_kernel::access::Principal;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::UnitId;
use jiceng_orders::ports::{DispatchAdvisor, DispatchSuggestion};
use jiceng_orders::use_cases::Orders;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{NewWorkOrder, Status, WorkOrder};
use std::sync::Arc;

/// Keyword rules: 井盖 belongs to the city management bureau, with high confidence.
struct KeywordAdvisor {
    manhole: UnitId,
    fallback: UnitId,
}

#[async_trait]
impl DispatchAdvisor for KeywordAdvisor {
    async fn suggest(&self, order: &WorkOrder) -> Result<Vec<DispatchSuggestion>> {
        if order.content.contains("故障") {
            return Err(Error::internal("模型不可用"));
        }
        let (unit, confidence) = if order.content.contains("井盖") {
            (self.manhole, 0.97)
        } else {
            (self.fallback, 0.6)
        };
        Ok(vec![DispatchSuggestion {
            unit,
            confidence,
            explanation: "关键词规则：井盖→城管".into(),
        }])
    }
}

/// The test app's hotline operator, as the use cases see them.
async fn operator(orders: &Orders, app: &common::TestApp) -> Principal {
    let u = orders
        .store
        .get_user(app.users["operator"])
        .await
        .unwrap()
        .unwrap();
    Principal::from(u)
}

#[tokio::test]
async fn confident_suggestions_dispatch_at_intake() {
    let app = spawn(Backend::Sqlite).await.unwrap();
    let advisor = KeywordAdvisor {
        manhole: app.units["dept"].id,
        fallback: app.units["dept2"].id,
    };
    let orders = app
        .orders
        .clone()
        .with_dispatch_advisor(Arc::new(advisor), 0.9);
    let operator = operator(&orders, &app).await;
    let form = |content| {
        NewWorkOrder::parse(IntakeForm {
            content,
            ..Default::default()
        })
        .unwrap()
    };

    let sure = orders
        .register_order(&operator, form("人行道井盖缺失"), None, None)
        .await
        .unwrap();
    assert_eq!(sure.status, Status::Dispatched);
    assert_eq!(sure.lead.as_ref().unwrap().unit_id, app.units["dept"].id);
    let h = orders
        .store
        .order_history(app.county(), sure.id)
        .await
        .unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1].action, "dispatch");
    assert_eq!(h[1].actor_name, "系统自动派单");
    assert!(
        h[1].payload["note"].as_str().unwrap().contains("97%"),
        "{}",
        h[1].payload
    );

    let unsure = orders
        .register_order(&operator, form("小区噪音扰民"), None, None)
        .await
        .unwrap();
    assert_eq!(
        unsure.status,
        Status::Registered,
        "below the threshold: the dispatcher decides"
    );
    let failing = orders
        .register_order(&operator, form("系统故障测试"), None, None)
        .await
        .unwrap();
    assert_eq!(
        failing.status,
        Status::Registered,
        "a failing advisor loses nothing"
    );
    assert_eq!(
        orders
            .store
            .order_history(app.county(), failing.id)
            .await
            .unwrap()
            .len(),
        1
    );
}
