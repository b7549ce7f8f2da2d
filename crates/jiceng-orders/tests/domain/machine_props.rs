//! Random sequences of commands by random actors: the machine never reaches a state its
//! rules do not allow, versions and history sequence numbers advance one by one, and closed
//! orders never change. The allowed transitions are written out here independently of
//! the machine's own code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use jiceng_kernel::ids::{OrderId, UnitId, UserId};
use jiceng_kernel::org::UnitPath;
use jiceng_orders::work_order::machine::ReturnReason;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{
    Assignee, Capacity, Command, NewWorkOrder, Satisfaction, Status, WorkOrder, decide,
};
use proptest::prelude::*;

fn unit(n: u128) -> Assignee {
    let id = UnitId(uuid::Uuid::from_u128(n));
    Assignee {
        unit_id: id,
        unit_name: format!("单位{n}"),
        unit_path: UnitPath::root(UnitId(uuid::Uuid::from_u128(1))).child(id),
    }
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn fresh(wants_callback: bool) -> WorkOrder {
    let form = IntakeForm {
        content: "路灯不亮",
        caller_phone: Some("13800001111"),
        wants_callback: Some(wants_callback),
        ..Default::default()
    };
    let owner = UserId(uuid::Uuid::from_u128(7));
    NewWorkOrder::parse(form)
        .unwrap()
        .into_order(
            OrderId(uuid::Uuid::from_u128(99)),
            "JC20270101000001".into(),
            unit(2),
            owner,
            "市民",
            t0(),
        )
        .0
}

/// The actors of the test; their capacity depends on the order's current assignment.
#[derive(Debug, Clone, Copy)]
enum Actor {
    Dispatcher,
    Operator,
    Supervisor,
    Owner,
    Staff(u128),
    Leader(u128),
    Stranger,
}

fn capacity(a: Actor, o: &WorkOrder) -> Capacity {
    let lead_is = |u: u128| {
        o.lead
            .as_ref()
            .is_some_and(|l| l.unit_id == unit(u).unit_id)
    };
    let mut c = Capacity {
        user: Some(UserId(uuid::Uuid::from_u128(5))),
        user_name: format!("{a:?}"),
        ..Default::default()
    };
    match a {
        Actor::Dispatcher => c.dispatcher = true,
        Actor::Operator => c.operator = true,
        Actor::Supervisor => c.supervisor = true,
        Actor::Owner => c.owner = true,
        Actor::Staff(u) | Actor::Leader(u) => {
            c.lead_staff = lead_is(u);
            c.lead_leader = matches!(a, Actor::Leader(_)) && lead_is(u);
            c.co_units = o
                .co_units
                .iter()
                .filter(|x| x.unit.unit_id == unit(u).unit_id)
                .map(|x| x.unit.unit_id)
                .collect();
        }
        Actor::Stranger => {}
    }
    c
}

fn actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(Actor::Dispatcher),
        Just(Actor::Operator),
        Just(Actor::Supervisor),
        Just(Actor::Owner),
        (10u128..13).prop_map(Actor::Staff),
        (10u128..13).prop_map(Actor::Leader),
        Just(Actor::Stranger),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just("处理意见".to_owned()),
        1 => Just(String::new()),
        1 => Just("长".repeat(6000)),
        2 => "[a-z中文 ]{0,12}",
    ]
}

fn satisfaction() -> impl Strategy<Value = Satisfaction> {
    prop_oneof![
        Just(Satisfaction::VerySatisfied),
        Just(Satisfaction::Satisfied),
        Just(Satisfaction::FairlySatisfied),
        Just(Satisfaction::Unsatisfied),
        Just(Satisfaction::VeryUnsatisfied),
    ]
}

fn command() -> impl Strategy<Value = Command> {
    let u = 10u128..13;
    prop_oneof![
        4 => (u.clone(), proptest::collection::vec(u.clone(), 0..3), proptest::option::of(text())).prop_map(|(l, c, note)| Command::Dispatch {
            lead: unit(l),
            co_units: c.into_iter().map(unit).collect(),
            note
        }),
        4 => (u.clone(), text()).prop_map(|(l, ruling)| Command::Arbitrate { lead: unit(l), ruling }),
        4 => Just(Command::Accept),
        4 => u.clone().prop_map(|x| Command::AcceptCo { unit: unit(x).unit_id }),
        4 => (any::<bool>(), proptest::option::of(text()), text()).prop_map(|(duty, legal_basis, explanation)| Command::Return {
            reason: if duty { ReturnReason::NotOurDuty } else { ReturnReason::Duplicate },
            legal_basis,
            explanation
        }),
        4 => text().prop_map(|text| Command::Note { text }),
        4 => (text(), -5i64..60).prop_map(|(reason, d)| Command::RequestExtension { reason, new_due: t0() + Duration::days(d) }),
        4 => (any::<bool>(), proptest::option::of(text())).prop_map(|(approve, comment)| Command::DecideExtension { approve, comment }),
        4 => text().prop_map(|reason| Command::Suspend { reason }),
        4 => proptest::option::of(text()).prop_map(|note| Command::Resume { note }),
        4 => (text(), any::<bool>()).prop_map(|(text, review)| Command::Reply { text, review }),
        4 => (u.clone(), text()).prop_map(|(x, text)| Command::CoReply { unit: unit(x).unit_id, text }),
        4 => (any::<bool>(), proptest::option::of(text())).prop_map(|(approve, comment)| Command::Review { approve, comment }),
        4 => (satisfaction(), any::<bool>(), any::<bool>()).prop_map(|(satisfaction, solved, unit_at_fault)| Command::FollowUp {
            satisfaction,
            solved,
            unit_at_fault,
            comment: None
        }),
        4 => proptest::option::of(text()).prop_map(|note| Command::Archive { note }),
        1 => Just(Command::MergeInto { master: OrderId(uuid::Uuid::from_u128(100)), master_number: "JC20270101000002".into() }),
    ]
}

/// The actor whose turn the command is, given who holds the order now.
fn fitting(cmd: &Command, o: &WorkOrder) -> Actor {
    let lead = o.lead.as_ref().map_or(10, |l| l.unit_id.0.as_u128());
    match cmd {
        Command::Dispatch { .. }
        | Command::Arbitrate { .. }
        | Command::MergeInto { .. }
        | Command::Absorb { .. } => Actor::Dispatcher,
        Command::Archive { .. } => Actor::Dispatcher,
        Command::AcceptCo { unit } | Command::CoReply { unit, .. } => {
            Actor::Staff(unit.0.as_u128())
        }
        Command::Review { .. } => Actor::Leader(lead),
        Command::DecideExtension { .. } => Actor::Supervisor,
        Command::FollowUp { .. } => Actor::Operator,
        _ => Actor::Staff(lead),
    }
}

/// The loop as the 12345 rules describe it: (from, action) → the states it may lead to.
fn allowed(from: Status, action: &str) -> &'static [Status] {
    use Status::*;
    match (from, action) {
        (_, "merge") if !from.is_final() => &[Merged],
        (Registered | Returned, "dispatch") => &[Dispatched],
        (Returned, "arbitrate") => &[Dispatched],
        (Dispatched, "accept") => &[Handling],
        (Dispatched, "return") => &[Returned],
        (Dispatched, "accept_co") => &[Dispatched],
        (
            Handling,
            "accept_co" | "co_reply" | "note" | "request_extension" | "decide_extension",
        ) => &[Handling],
        (Suspended, "accept_co" | "co_reply" | "decide_extension") => &[Suspended],
        (Handling, "suspend") => &[Suspended],
        (Suspended, "resume") => &[Handling],
        (Handling, "reply") => &[PendingReview, Replied],
        (PendingReview, "review") => &[Replied, Handling],
        (Replied, "follow_up") => &[Visited, Handling],
        (Replied | Visited, "archive") => &[Archived],
        _ => &[],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn random_walks_keep_the_rules(
        wants_callback in any::<bool>(),
        steps in proptest::collection::vec((proptest::option::weighted(0.25, actor()), command()), 1..80),
    ) {
        let mut o = fresh(wants_callback);
        let mut now = t0();
        for (who, cmd) in steps {
            now += Duration::minutes(7);
            let who = who.unwrap_or_else(|| fitting(&cmd, &o));
            let cap = capacity(who, &o);
            let action = cmd.action().as_str();
            match decide(&o, cmd, &cap, now) {
                Ok(out) => {
                    prop_assert!(!o.status.is_final(), "a closed order changed: {:?} by {action}", o.status);
                    prop_assert!(
                        allowed(o.status, action).contains(&out.order.status),
                        "{:?} --{action}--> {:?} is not a legal transition", o.status, out.order.status
                    );
                    prop_assert_eq!(out.order.version, o.version + 1);
                    prop_assert_eq!(out.entry.seq, out.order.version);
                    prop_assert_eq!(out.entry.from_status, Some(o.status));
                    prop_assert_eq!(out.entry.to_status, out.order.status);
                    prop_assert!(out.order.transfer_count >= o.transfer_count);
                    prop_assert!(out.order.reopen_count >= o.reopen_count);
                    let co: Vec<_> = out.order.co_units.iter().map(|c| c.unit.unit_id).collect();
                    prop_assert!(
                        co.iter().enumerate().all(|(i, u)| !co[..i].contains(u)),
                        "a co-unit listed twice: {co:?}"
                    );
                    prop_assert!(
                        out.order.lead.as_ref().is_none_or(|l| !co.contains(&l.unit_id)),
                        "the lead unit among its co-units"
                    );
                    if out.order.status == Status::Replied {
                        prop_assert!(out.order.co_units.iter().all(|c| c.reply.is_some()), "replied with co-units pending");
                    }
                    o = out.order;
                }
                Err(_) => {
                    // Refusals change nothing: `o` is kept as it was.
                }
            }
        }
    }
}
