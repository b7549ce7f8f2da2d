//! Random walks through the use cases over a real database: whatever the sequence of
//! commands and actors, the stored history is gapless and chained (each entry starts where
//! the previous one ended), matches the order's version, and ends at a closed state if any.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{Backend, TestApp, spawn};
use jiceng_kernel::access::Principal;
use jiceng_orders::use_cases::ActRequest;
use jiceng_orders::work_order::machine::ReturnReason;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{Command, NewWorkOrder, Satisfaction};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const ACTORS: [&str; 8] = [
    "operator",
    "dispatcher",
    "dept_handler",
    "dept_leader",
    "dept2_handler",
    "supervisor",
    "handler_b",
    "citizen",
];

async fn principal(app: &TestApp, key: &str) -> Principal {
    let u = app
        .orders
        .store
        .get_user(app.users[key])
        .await
        .unwrap()
        .unwrap();
    Principal::from(u)
}

fn request(app: &TestApp, op: u8, flag: bool) -> ActRequest {
    let dept = app.units["dept"].id;
    let dept2 = app.units["dept2"].id;
    let c = |c: Command| ActRequest::Other(c);
    match op % 14 {
        0 => ActRequest::Dispatch {
            lead: if flag { dept } else { dept2 },
            co_units: if flag { vec![dept2] } else { vec![] },
            note: None,
        },
        1 => ActRequest::Arbitrate {
            lead: dept,
            ruling: "审定".into(),
        },
        2 => c(Command::Accept),
        3 => c(Command::AcceptCo { unit: dept2 }),
        4 => c(Command::Return {
            reason: ReturnReason::Duplicate,
            legal_basis: None,
            explanation: "重复".into(),
        }),
        5 => c(Command::Note {
            text: "进展".into(),
        }),
        6 => c(Command::Suspend {
            reason: "等待".into(),
        }),
        7 => c(Command::Resume { note: None }),
        8 => c(Command::Reply {
            text: "已办结".into(),
            review: flag,
        }),
        9 => c(Command::CoReply {
            unit: dept2,
            text: "协办完成".into(),
        }),
        10 => c(Command::Review {
            approve: flag,
            comment: Some("意见".into()),
        }),
        11 => c(Command::FollowUp {
            satisfaction: if flag {
                Satisfaction::Satisfied
            } else {
                Satisfaction::Unsatisfied
            },
            solved: flag,
            unit_at_fault: !flag,
            comment: None,
        }),
        12 => c(Command::Archive { note: None }),
        _ => c(Command::RequestExtension {
            reason: "需要时间".into(),
            new_due: chrono::Utc::now() + chrono::Duration::days(30),
        }),
    }
}

#[test]
fn random_walks_leave_an_exact_history() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn(Backend::Sqlite)).unwrap();
    let people: Vec<Principal> = rt.block_on(async {
        let mut v = Vec::new();
        for k in ACTORS {
            v.push(principal(&app, k).await);
        }
        v
    });
    let operator = people[0].clone();
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    let steps = proptest::collection::vec(
        (0..ACTORS.len(), any::<u8>(), any::<bool>(), 0u8..40),
        1..40,
    );
    runner
        .run(&steps, |steps| {
            rt.block_on(async {
                let new = NewWorkOrder::parse(IntakeForm {
                    content: "噪音扰民",
                    caller_phone: Some("13800002222"),
                    ..Default::default()
                })
                .unwrap();
                let o = app
                    .orders
                    .register_order(&operator, new, None, None)
                    .await
                    .unwrap();
                let other = app
                    .orders
                    .register_order(
                        &operator,
                        NewWorkOrder::parse(IntakeForm {
                            content: "同一件事",
                            ..Default::default()
                        })
                        .unwrap(),
                        None,
                        None,
                    )
                    .await
                    .unwrap();
                for (who, op, flag, merge_roll) in steps {
                    let p = &people[who];
                    if merge_roll == 0 {
                        let _ = app.orders.merge_orders(p, o.id, other.id).await;
                    } else {
                        let _ = app.orders.act(p, o.id, request(&app, op, flag), None).await;
                    }
                }
                let stored = app
                    .orders
                    .store
                    .get_order(app.county(), o.id)
                    .await
                    .unwrap()
                    .unwrap();
                let history = app
                    .orders
                    .store
                    .order_history(app.county(), o.id)
                    .await
                    .unwrap();
                prop_assert_eq!(history.len() as u32, stored.version);
                for (i, e) in history.iter().enumerate() {
                    prop_assert_eq!(e.seq, i as u32 + 1);
                    if i > 0 {
                        prop_assert_eq!(e.from_status, Some(history[i - 1].to_status));
                        prop_assert!(
                            !history[i - 1].to_status.is_final(),
                            "an entry after a closed state"
                        );
                    }
                }
                prop_assert_eq!(history.last().map(|e| e.to_status), Some(stored.status));
                Ok(())
            })
        })
        .unwrap();
}
