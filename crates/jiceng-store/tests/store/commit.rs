//! The one commit path: a use case's effects (an order's change, its history entry, audit
//! records, outbox notices and escalation records) are written all together or not at all,
//! and an idempotent registration repeated with its key is answered with the first order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use jiceng_accounts::ports::OrgStore;
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::error::Error;
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit};
use jiceng_kernel::ports::AuditStore;
use jiceng_kernel::subject::{Subject, SubjectKind};
use jiceng_orders::effects::{ClockWrite, Committed, Effects, Idempotency};
use jiceng_orders::ports::{CommitStore, WorkOrderStore};
use jiceng_orders::sla::{
    ClockKind, Escalation, EscalationQuery, SlaClock, SlaPolicies, SlaStore, StandaloneClock, Step,
};
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Assignee, HistoryEntry, NewWorkOrder, Notice, Status, WorkOrder};
use jiceng_store::SqlStore;
use jiceng_store::testing::t0;
use std::sync::Arc;

type S = Arc<SqlStore>;

struct World {
    s: S,
    county: OrgUnit,
    user: UserId,
}

async fn world(s: S) -> World {
    let county = jiceng_store::testing::unit(None, OrgKind::County, "广安区", None);
    s.insert_units(std::slice::from_ref(&county)).await.unwrap();
    let user = jiceng_store::testing::insert_operator(&s, &county).await;
    World { s, county, user }
}

impl World {
    /// The county's audit chain, where its orders' entries go.
    fn chain(&self) -> jiceng_kernel::audit::chain::Chain {
        jiceng_kernel::audit::chain::Chain::County(self.county.path.county())
    }

    fn assignee(&self) -> Assignee {
        Assignee {
            unit_id: self.county.id,
            unit_name: self.county.name.clone(),
            unit_path: self.county.path.clone(),
        }
    }

    /// A new order as registration builds it (not stored).
    fn new_order(&self, content: &str, minutes: i64) -> (WorkOrder, HistoryEntry) {
        let now = t0() + Duration::minutes(minutes);
        NewWorkOrder::parse(IntakeForm {
            content,
            caller_phone: Some("13912345678"),
            ..Default::default()
        })
        .unwrap()
        .into_order(
            OrderId::new_at(now),
            String::new(),
            self.assignee(),
            self.user,
            "op",
            now,
        )
    }

    /// Stores a new order and returns it as stored.
    async fn registered(&self, content: &str) -> WorkOrder {
        let (o, e) = self.new_order(content, 0);
        self.s
            .commit(Effects::new(o.created_at).new_order(o.clone(), vec![e], "JC20261124"))
            .await
            .unwrap();
        self.s
            .get_order(crate::county(&self.s).await, o.id)
            .await
            .unwrap()
            .unwrap()
    }

    /// The next version of `o`: a note on the order, `minutes` after t0.
    fn step(&self, o: &WorkOrder, minutes: i64) -> (WorkOrder, HistoryEntry) {
        let at = t0() + Duration::minutes(minutes);
        let mut next = o.clone();
        next.version += 1;
        next.updated_at = at;
        let entry = HistoryEntry {
            seq: next.version,
            at,
            actor: self.user,
            actor_name: "op".into(),
            action: "note".into(),
            from_status: Some(o.status),
            to_status: next.status,
            payload: serde_json::json!({"minutes": minutes}),
        };
        (next, entry)
    }

    /// A record of `step` of the handling clock's first generation on `subject`.
    fn escalation(&self, subject: Subject, reference: &str, step: Step) -> Escalation {
        Escalation {
            id: uuid::Uuid::now_v7(),
            number: "CB20261124".into(),
            subject,
            reference: reference.into(),
            clock: ClockKind::Handling,
            generation: 1,
            step,
            addressee: self.assignee(),
            unit: self.assignee(),
            text: "催办通知".into(),
            issued_at: t0(),
            deadline: t0() + Duration::days(1),
        }
    }

    /// An order change with everything a change can write besides: a notice, an escalation
    /// record and an extra audit record.
    fn change(&self, read: &WorkOrder, expected_version: u32, step: Step, minutes: i64) -> Effects {
        let (next, entry) = self.step(read, minutes);
        let mut fx = Effects::new(next.updated_at);
        fx.change_order(expected_version, next, entry);
        fx.notices.push(Notice {
            order_id: read.id,
            kind: "replied".into(),
            phone: "13912345678".into(),
            text: "已办理".into(),
        });
        fx.escalations
            .push(self.escalation(Subject::work_order(read.id), &read.number, step));
        fx.audit
            .push(jiceng_orders::effects::AuditItem::Record(AuditRecord::new(
                self.chain(),
                t0(),
                "test",
                "test.extra",
                format!("work_order:{}", read.id),
                serde_json::json!({"minutes": minutes}),
            )));
        fx
    }

    /// What a commit may have written: the order's version and history, the outbox, the
    /// escalation records and the audit log's size.
    async fn rows(&self, id: OrderId) -> (u32, usize, usize, usize, u64) {
        let o = self
            .s
            .get_order(crate::county(&self.s).await, id)
            .await
            .unwrap()
            .unwrap();
        let history = self
            .s
            .order_history(crate::county(&self.s).await, id)
            .await
            .unwrap()
            .len();
        let notices = self
            .s
            .pending_notices(crate::county(&self.s).await, 100)
            .await
            .unwrap()
            .len();
        let escalations = self
            .s
            .list_escalations(&EscalationQuery {
                scope: vec![self.county.path.clone()],
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .len();
        let audit = self.s.audit_size(self.chain()).await.unwrap();
        (o.version, history, notices, escalations, audit)
    }
}

fn conflict(e: &Error) {
    assert_eq!(e.code, "work_order.version_conflict", "{e:?}");
}

async fn a_commit_is_all_or_nothing(s: S) {
    let w = world(s).await;
    let o = w.registered("井盖缺失").await;
    let before = w.rows(o.id).await;
    assert_eq!((before.0, before.1, before.2, before.3), (1, 1, 0, 0));

    // Everything at once: version 2, its entry, a notice, a record, two audit entries.
    let c =
        w.s.commit(&w.change(&o, o.version, Step::Reminder, 1))
            .await
            .unwrap();
    assert!(matches!(c, Committed::Applied), "{c:?}");
    let after = w.rows(o.id).await;
    assert_eq!(
        after,
        (2, 2, 1, 1, before.4 + 2),
        "order, history, outbox, escalation and audit written together"
    );

    // A stale version: the notice, the fresh escalation step and the audit entries are not
    // written either.
    let e =
        w.s.commit(&w.change(&o, o.version, Step::Supervision, 2))
            .await
            .unwrap_err();
    conflict(&e);
    assert_eq!(w.rows(o.id).await, after, "a stale version writes nothing");

    // The current version, but an escalation step stored before: nothing of the order's
    // change is written.
    let current =
        w.s.get_order(crate::county(&w.s).await, o.id)
            .await
            .unwrap()
            .unwrap();
    let e =
        w.s.commit(&w.change(&current, current.version, Step::Reminder, 3))
            .await
            .unwrap_err();
    conflict(&e);
    assert_eq!(
        w.rows(o.id).await,
        after,
        "a second record of a step writes nothing"
    );
    assert_eq!(
        w.s.get_order(crate::county(&w.s).await, o.id)
            .await
            .unwrap()
            .unwrap(),
        current
    );
}

async fn a_stale_standalone_step_writes_nothing(s: S) {
    let w = world(s).await;
    let policies = SlaPolicies::china();
    let policy = policies.for_region(&w.county.path);
    let subject = Subject::new(SubjectKind::named("rectification"), uuid::Uuid::now_v7());
    let clock = SlaClock::start(
        ClockKind::Handling,
        1,
        w.assignee(),
        jiceng_kernel::calendar::TimeLimit::NaturalHours(1),
        "测试".into(),
        t0(),
        policy,
    )
    .unwrap();
    let c = StandaloneClock {
        subject: subject.clone(),
        reference: "ZG1".into(),
        label: "整改任务 ZG1".into(),
        clock,
    };
    let mut start = Effects::new(t0());
    start.clocks.push(ClockWrite::Standalone {
        clock: c.clone(),
        awaiting: None,
    });
    w.s.commit(&start).await.unwrap();
    let stored =
        w.s.standalone_clock(crate::county(&w.s).await, &subject, ClockKind::Handling)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored, c);
    let waiting = c.clock.next_step.unwrap();
    // A step the row does not wait for (another sweeper moved it on): no record either.
    let other = if waiting == Step::Red {
        Step::Yellow
    } else {
        Step::Red
    };
    let fire = |awaiting| {
        let mut fx = Effects::new(t0());
        fx.clocks.push(ClockWrite::Standalone {
            clock: c.clone(),
            awaiting: Some(awaiting),
        });
        fx.escalations
            .push(w.escalation(subject.clone(), "ZG1", Step::Reminder));
        fx
    };
    conflict(&w.s.commit(&fire(other)).await.unwrap_err());
    let board = || async {
        w.s.list_escalations(&EscalationQuery {
            scope: vec![w.county.path.clone()],
            subject: Some(subject.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
    };
    assert_eq!(board().await, 0, "no record without the step");
    // The step it waits for is stored, once.
    assert!(matches!(
        w.s.commit(&fire(waiting)).await.unwrap(),
        Committed::Applied
    ));
    assert_eq!(board().await, 1);
    conflict(&w.s.commit(&fire(waiting)).await.unwrap_err());
    assert_eq!(board().await, 1);
}

async fn a_replayed_registration_returns_the_first_order(s: S) {
    let w = world(s).await;
    let key = |hash: &str| Idempotency {
        user: w.user,
        key: "retry-1".into(),
        request_hash: hash.into(),
    };
    let register = |minutes, hash: &str| {
        let (o, e) = w.new_order("路灯不亮", minutes);
        let mut fx = Effects::new(o.created_at);
        fx.new_order(o.clone(), vec![e], "JC20261124");
        fx.idempotency = Some(key(hash));
        (o, fx)
    };
    let (first, fx) = register(0, "h1");
    let number = match w.s.commit(&fx).await.unwrap() {
        c @ Committed::Created { .. } => c
            .number_of(&Subject::work_order(first.id))
            .unwrap()
            .to_owned(),
        c => panic!("expected a new order, got {c:?}"),
    };
    assert_eq!(number, "JC20261124000001");
    let audit = w.s.audit_size(w.chain()).await.unwrap();

    // The same request again, as a new order with its own id: the first order comes back.
    let (second, fx) = register(1, "h1");
    match w.s.commit(&fx).await.unwrap() {
        Committed::Replayed { order } => {
            assert_eq!(order.id, first.id);
            assert_eq!(order.number, number);
            assert_eq!(order.status, Status::Registered);
        }
        c => panic!("expected a replay, got {c:?}"),
    }
    assert!(
        w.s.get_order(crate::county(&w.s).await, second.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        w.s.count_orders(crate::county(&w.s).await).await.unwrap(),
        1
    );
    assert_eq!(w.s.audit_size(w.chain()).await.unwrap(), audit);

    // The key with another request is refused, and nothing is written.
    let (third, fx) = register(2, "h2");
    let e = w.s.commit(&fx).await.unwrap_err();
    assert_eq!(e.code, "idempotency.key_reused");
    assert!(
        w.s.get_order(crate::county(&w.s).await, third.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        w.s.count_orders(crate::county(&w.s).await).await.unwrap(),
        1
    );
}

/// Two counties on one database: each numbers its own orders from 1 under the same prefix, a
/// number may repeat across counties, and a read names the county it reads.
async fn counties_number_and_read_their_own_orders(s: S) {
    let a = world(s.clone()).await;
    let other = jiceng_store::testing::unit(None, OrgKind::County, "前锋区", None);
    s.insert_units(std::slice::from_ref(&other)).await.unwrap();
    let b = World {
        s: s.clone(),
        user: a.user,
        county: other,
    };
    let mut numbers = Vec::new();
    let mut ids = Vec::new();
    for w in [&a, &a, &b] {
        let (o, e) = w.new_order("路灯不亮", 0);
        let c = s
            .commit(Effects::new(o.created_at).new_order(o.clone(), vec![e], "JC00000020261124"))
            .await
            .unwrap();
        numbers.push(c.number_of(&Subject::work_order(o.id)).unwrap().to_owned());
        ids.push(o.id);
    }
    assert_eq!(
        numbers,
        [
            "JC00000020261124000001",
            "JC00000020261124000002",
            "JC00000020261124000001"
        ],
        "each county counts on its own"
    );
    let (ca, cb) = (a.county.path.county(), b.county.path.county());
    assert_eq!(s.count_orders(ca).await.unwrap(), 2);
    assert_eq!(s.count_orders(cb).await.unwrap(), 1);
    assert!(s.get_order(ca, ids[0]).await.unwrap().is_some());
    assert!(
        s.get_order(cb, ids[0]).await.unwrap().is_none(),
        "another county's order"
    );
    assert!(s.get_order(ca, ids[2]).await.unwrap().is_none());
    let found = s
        .find_order_by_number(cb, "JC00000020261124000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, ids[2]);
    assert!(s.order_history(ca, ids[2]).await.unwrap().is_empty());
    assert_eq!(s.order_history(cb, ids[2]).await.unwrap().len(), 1);
}

jiceng_store::conformance!(
    counties_number_and_read_their_own_orders,
    a_commit_is_all_or_nothing,
    a_stale_standalone_step_writes_nothing,
    a_replayed_registration_returns_the_first_order,
);
