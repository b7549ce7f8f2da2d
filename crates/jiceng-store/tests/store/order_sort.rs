//! Lists sorted by deadline behave the same on SQLite and PostgreSQL: paging through with
//! the cursor returns every order once, open deadlines in order (ties by id), then the orders
//! without an open clock, newest first; a change that stops or moves a clock moves the order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use jiceng_accounts::ports::OrgStore;
use jiceng_kernel::calendar::TimeLimit;
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit};
use jiceng_orders::effects::Effects;
use jiceng_orders::ports::{CommitStore, OrderQuery, WorkOrderStore};
use jiceng_orders::sla::{ClockKind, SlaClock, SlaPolicies, SlaPolicy};
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{
    Assignee, HistoryEntry, NewWorkOrder, OrderCursor, OrderSort, Status, WorkOrder,
};
use jiceng_store::SqlStore;
use std::sync::Arc;

type S = Arc<SqlStore>;

use jiceng_store::testing::t0;

fn unit(parent: Option<&OrgUnit>, kind: OrgKind, name: &str) -> OrgUnit {
    jiceng_store::testing::unit(parent, kind, name, None)
}

fn assignee(u: &OrgUnit) -> Assignee {
    Assignee {
        unit_id: u.id,
        unit_name: u.name.clone(),
        unit_path: u.path.clone(),
    }
}

struct World {
    s: S,
    county: OrgUnit,
    town: OrgUnit,
    other: OrgUnit,
    user: UserId,
    policy: SlaPolicy,
}

async fn world(s: S) -> World {
    let county = unit(None, OrgKind::County, "广安区");
    let town = unit(Some(&county), OrgKind::Street, "浓洄街道");
    let other = unit(Some(&county), OrgKind::Town, "官盛镇");
    s.insert_units(&[county.clone(), town.clone(), other.clone()])
        .await
        .unwrap();
    let user = jiceng_store::testing::insert_operator(&s, &county).await;
    World {
        s,
        county,
        town,
        other,
        user,
        policy: SlaPolicies::china().default,
    }
}

/// What clock an order of the test has.
#[derive(Clone, Copy)]
enum Clock {
    None,
    Running(u32),
    Paused(u32),
    Stopped(u32),
}

impl World {
    /// An order of `region` registered `minutes` after t0, handled by `region` with `clock`
    /// (a limit of that many natural hours, started at registration).
    async fn order(&self, region: &OrgUnit, minutes: i64, clock: Clock) -> WorkOrder {
        let now = t0() + Duration::minutes(minutes);
        let new = NewWorkOrder::parse(IntakeForm {
            content: "路灯不亮",
            ..Default::default()
        })
        .unwrap();
        let (mut o, e) = new.into_order(
            OrderId::new_at(now),
            String::new(),
            assignee(region),
            self.user,
            "op",
            now,
        );
        let hours = match clock {
            Clock::None => None,
            Clock::Running(h) | Clock::Paused(h) | Clock::Stopped(h) => Some(h),
        };
        if let Some(h) = hours {
            o.status = Status::Handling;
            o.lead = Some(assignee(region));
            let mut c = SlaClock::start(
                ClockKind::Handling,
                1,
                assignee(region),
                TimeLimit::NaturalHours(h),
                "测试".into(),
                t0(),
                &self.policy,
            )
            .unwrap();
            match clock {
                Clock::Paused(_) => c.pause(now, &self.policy).unwrap(),
                Clock::Stopped(_) => c.stop(now, &self.policy).unwrap(),
                _ => {}
            }
            o.handling_due = Some(c.deadline);
            o.clocks.handling = Some(c);
        }
        self.s
            .commit(Effects::new(o.created_at).new_order(o.clone(), vec![e.clone()], "JC20261124"))
            .await
            .unwrap();
        self.s
            .get_order(crate::county(&self.s).await, o.id)
            .await
            .unwrap()
            .unwrap()
    }

    /// Every page of the list, `per_page` at a time, by the cursor.
    async fn walk(&self, sort: OrderSort, scope: &OrgUnit, per_page: u32) -> Vec<OrderId> {
        let mut seen = Vec::new();
        let mut cursor = None;
        for _ in 0..100 {
            let page = self
                .s
                .list_orders(&OrderQuery {
                    scope: vec![scope.path.clone()],
                    sort,
                    cursor,
                    limit: per_page,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(page.len() as u32 <= per_page);
            seen.extend(page.iter().map(|o| o.id));
            if (page.len() as u32) < per_page {
                return seen;
            }
            // The cursor goes through its text form, as the API passes it.
            let c = OrderCursor::after(page.last().unwrap(), sort);
            cursor = Some(OrderCursor::parse(&c.encode(), sort).unwrap());
        }
        panic!("the list does not end");
    }
}

/// The expected order: open deadlines ascending (or descending), ties by id in the same
/// direction, then the orders without one, newest first.
fn expected(orders: &[WorkOrder], desc: bool) -> Vec<OrderId> {
    let mut due: Vec<_> = orders
        .iter()
        .filter_map(|o| o.open_deadline().map(|d| (d, o.id)))
        .collect();
    due.sort();
    if desc {
        due.reverse();
    }
    let mut none: Vec<_> = orders
        .iter()
        .filter(|o| o.open_deadline().is_none())
        .map(|o| o.id)
        .collect();
    none.sort();
    none.reverse();
    due.into_iter().map(|(_, id)| id).chain(none).collect()
}

async fn pages_by_deadline_return_every_order_once(s: S) {
    let w = world(s).await;
    let mut orders = Vec::new();
    for i in 0..23i64 {
        // Limits of 1–6 hours from one start: many deadlines are shared, so ties are paged by id.
        let h = u32::try_from(i * 5 % 6 + 1).unwrap();
        let clock = match i % 6 {
            0 => Clock::None,
            1 => Clock::Stopped(h),
            2 => Clock::Paused(h),
            _ => Clock::Running(h),
        };
        orders.push(w.order(&w.town, i, clock).await);
    }
    // Outside the scope: never listed.
    let outside = w.order(&w.other, 0, Clock::Running(1)).await;
    assert!(orders.iter().all(|o| o.id != outside.id));
    let stopped = orders
        .iter()
        .find(|o| {
            o.clocks
                .handling
                .as_ref()
                .is_some_and(|c| c.stopped_at.is_some())
        })
        .unwrap();
    assert_eq!(stopped.open_deadline(), None, "a stopped clock sorts last");
    let paused = orders
        .iter()
        .find(|o| {
            o.clocks
                .handling
                .as_ref()
                .is_some_and(|c| c.paused_at.is_some())
        })
        .unwrap();
    assert!(
        paused.open_deadline().is_some(),
        "a paused clock keeps its deadline"
    );

    for per_page in [1, 4, 7, 50] {
        let asc = w.walk(OrderSort::Deadline, &w.town, per_page).await;
        assert_eq!(
            asc,
            expected(&orders, false),
            "ascending, {per_page} a page"
        );
        let desc = w.walk(OrderSort::DeadlineDesc, &w.town, per_page).await;
        assert_eq!(
            desc,
            expected(&orders, true),
            "descending, {per_page} a page"
        );
    }
    let newest = w.walk(OrderSort::Newest, &w.town, 5).await;
    let mut ids: Vec<_> = orders.iter().map(|o| o.id).collect();
    ids.sort();
    ids.reverse();
    assert_eq!(newest, ids, "the default stays newest first");
    let county = w.walk(OrderSort::Deadline, &w.county, 6).await;
    assert_eq!(county.len(), orders.len() + 1);
    assert_eq!(
        county.first(),
        Some(&outside.id),
        "1 hour from t0 is the earliest"
    );

    // A change that stops the most urgent order's clock moves it among those without one.
    let first = orders
        .iter()
        .find(|o| Some(o.id) == expected(&orders, false).first().copied())
        .unwrap()
        .clone();
    let mut next = first.clone();
    let later = t0() + Duration::minutes(30);
    next.clocks
        .handling
        .as_mut()
        .unwrap()
        .stop(later, &w.policy)
        .unwrap();
    next.status = Status::Replied;
    next.version += 1;
    next.updated_at = later;
    let entry = HistoryEntry {
        seq: next.version,
        at: later,
        actor: w.user,
        actor_name: "op".into(),
        action: "reply".into(),
        from_status: Some(first.status),
        to_status: next.status,
        payload: serde_json::json!({}),
    };
    w.s.commit(Effects::new(later).change_order(first.version, next.clone(), entry))
        .await
        .unwrap();
    let orders: Vec<WorkOrder> = orders
        .into_iter()
        .map(|o| if o.id == next.id { next.clone() } else { o })
        .collect();
    let asc = w.walk(OrderSort::Deadline, &w.town, 4).await;
    assert_eq!(asc, expected(&orders, false));
    assert_ne!(asc.first(), Some(&next.id));
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                let db = jiceng_store::testing::sqlite().await;
                super::$name(db.store.clone()).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                let Some(db) = jiceng_store::testing::postgres().await else { return };
                super::$name(db.store.clone()).await;
            })*
        }
    };
}

on_both!(pages_by_deadline_return_every_order_once);
