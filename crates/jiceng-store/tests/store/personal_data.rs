//! A citizen's orders by phone and the erasure's writes, on both backends: the read finds the
//! phone as caller and as merged caller within the scope only; a redaction is written with
//! the order's change or not at all, with the order's searched columns and the outbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_accounts::ports::OrgStore;
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit};
use jiceng_orders::effects::{Effects, Redaction, RedactionRecord};
use jiceng_orders::ports::{CommitStore, OrderQuery, PersonalDataStore, WorkOrderStore};
use jiceng_orders::work_order::erasure::{ERASED, erase_contact};
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Assignee, Caller, NewWorkOrder, Notice, WorkOrder};
use jiceng_store::SqlStore;
use jiceng_store::testing::t0;
use std::sync::Arc;

type S = Arc<SqlStore>;

const PHONE: &str = "13955550001";

struct World {
    s: S,
    town_a: OrgUnit,
    town_b: OrgUnit,
    user: UserId,
}

async fn world(s: S) -> World {
    let county = jiceng_store::testing::unit(None, OrgKind::County, "广安区", None);
    let town_a = jiceng_store::testing::unit(Some(&county), OrgKind::Town, "甲镇", None);
    let town_b = jiceng_store::testing::unit(Some(&county), OrgKind::Town, "乙镇", None);
    s.insert_units(&[county.clone(), town_a.clone(), town_b.clone()])
        .await
        .unwrap();
    let user = jiceng_store::testing::insert_operator(&s, &county).await;
    World {
        s,
        town_a,
        town_b,
        user,
    }
}

impl World {
    /// Stores a new order of `phone` in `town`, `minutes` after t0; `extra` joins as a merged caller.
    async fn order(
        &self,
        town: &OrgUnit,
        phone: &str,
        content: &str,
        extra: Option<&str>,
        minutes: i64,
    ) -> WorkOrder {
        let now = t0() + chrono::Duration::minutes(minutes);
        let (mut o, e) = NewWorkOrder::parse(IntakeForm {
            content,
            caller_name: Some("王五"),
            caller_phone: Some(phone),
            ..Default::default()
        })
        .unwrap()
        .into_order(
            OrderId::new_at(now),
            String::new(),
            Assignee {
                unit_id: town.id,
                unit_name: town.name.clone(),
                unit_path: town.path.clone(),
            },
            self.user,
            "op",
            now,
        );
        if let Some(p) = extra {
            o.extra_callers.push(Caller {
                name: Some("赵六".into()),
                phone: Some(p.into()),
                via_order: o.id,
            });
        }
        let mut fx = Effects::new(now);
        fx.new_order(o.clone(), vec![e], "JC20261124");
        fx.notices.push(Notice {
            order_id: o.id,
            kind: "merged".into(),
            phone: phone.into(),
            text: "您的诉求已并案".into(),
        });
        self.s.commit(&fx).await.unwrap();
        self.s
            .get_order(crate::county(&self.s).await, o.id)
            .await
            .unwrap()
            .unwrap()
    }
}

fn ids(v: &[WorkOrder]) -> Vec<OrderId> {
    let mut ids: Vec<OrderId> = v.iter().map(|o| o.id).collect();
    ids.sort_by_key(|i| i.0);
    ids
}

async fn orders_are_found_by_phone_within_the_scope(s: S) {
    let w = world(s).await;
    let own = w.order(&w.town_a, PHONE, "路灯不亮", None, 0).await;
    let merged = w
        .order(&w.town_a, "13955550002", "井盖缺失", Some(PHONE), 1)
        .await;
    let elsewhere = w.order(&w.town_b, PHONE, "垃圾未清运", None, 2).await;
    let other = w.order(&w.town_a, "13955550003", "噪音扰民", None, 3).await;
    let a =
        w.s.orders_with_phone(std::slice::from_ref(&w.town_a.path), PHONE)
            .await
            .unwrap();
    assert_eq!(ids(&a), ids(&[own.clone(), merged.clone()]));
    let both =
        w.s.orders_with_phone(&[w.town_a.path.clone(), w.town_b.path.clone()], PHONE)
            .await
            .unwrap();
    assert_eq!(ids(&both), ids(&[own, merged, elsewhere]));
    assert!(w.s.orders_with_phone(&[], PHONE).await.unwrap().is_empty());
    let o =
        w.s.orders_with_phone(std::slice::from_ref(&w.town_a.path), "13955550003")
            .await
            .unwrap();
    assert_eq!(ids(&o), ids(&[other]));
    // The pattern's wildcards are the phone's own characters, not LIKE's.
    assert!(
        w.s.orders_with_phone(std::slice::from_ref(&w.town_a.path), "1395555000_")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_redaction_is_written_with_the_change_or_not_at_all(s: S) {
    let w = world(s).await;
    let o = w
        .order(&w.town_a, PHONE, &format!("请回电 {PHONE}"), None, 0)
        .await;
    let e = erase_contact(
        &o,
        PHONE,
        w.user,
        "admin",
        t0() + chrono::Duration::hours(1),
    )
    .unwrap();
    let redaction = Redaction {
        record: RedactionRecord {
            order: o.id,
            version: e.order.version,
            at: e.entry.at,
            actor: w.user,
            fields: e.fields.iter().map(|f| (*f).to_owned()).collect(),
        },
        phone: PHONE.into(),
    };
    let mut fx = Effects::new(e.entry.at);
    fx.redactions.push(redaction.clone());
    fx.change_order(o.version, e.order.clone(), e.entry.clone());

    // Read at a version that moved on: no record, no change, the message still waits.
    let mut stale = fx.clone();
    if let Some(jiceng_orders::effects::SubjectWrite::WorkOrder(wr)) = stale.subjects.first_mut() {
        wr.write = jiceng_orders::effects::Write::Change {
            expected_version: o.version + 5,
        };
    }
    assert_eq!(
        w.s.commit(&stale).await.unwrap_err().code,
        "work_order.version_conflict"
    );
    assert!(
        w.s.order_redactions(crate::county(&w.s).await, o.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        w.s.get_order(crate::county(&w.s).await, o.id)
            .await
            .unwrap()
            .unwrap(),
        o
    );
    assert!(
        w.s.pending_notices(crate::county(&w.s).await, 10)
            .await
            .unwrap()
            .iter()
            .any(|n| n.phone == PHONE)
    );

    w.s.commit(&fx).await.unwrap();
    assert_eq!(
        w.s.order_redactions(crate::county(&w.s).await, o.id)
            .await
            .unwrap(),
        [redaction.record]
    );
    let stored =
        w.s.get_order(crate::county(&w.s).await, o.id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.caller_phone.as_deref(), Some(ERASED));
    // The searched columns follow the document: the phone is no longer found in the text.
    let county = crate::county(&w.s).await;
    let search = |t: &str| OrderQuery {
        counties: vec![county],
        text: Some(t.into()),
        limit: 10,
        ..Default::default()
    };
    assert!(w.s.list_orders(&search(PHONE)).await.unwrap().is_empty());
    assert_eq!(w.s.list_orders(&search(ERASED)).await.unwrap().len(), 1);
    assert!(
        w.s.orders_with_phone(std::slice::from_ref(&w.town_a.path), PHONE)
            .await
            .unwrap()
            .is_empty()
    );
    // The message to the phone is withdrawn.
    assert!(
        w.s.pending_notices(crate::county(&w.s).await, 10)
            .await
            .unwrap()
            .iter()
            .all(|n| n.phone != PHONE)
    );
}

jiceng_store::conformance!(
    orders_are_found_by_phone_within_the_scope,
    a_redaction_is_written_with_the_change_or_not_at_all,
);
