//! The clock rules on their own: which clocks start and stop with which transition, natural
//! hours for emergencies, pauses, reopen and re-dispatch generations, and the order of steps.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiceng_kernel::calendar::TimeLimit;
use jiceng_kernel::ids::{OrderId, UnitId, UserId};
use jiceng_kernel::org::UnitPath;
use jiceng_orders::sla::{ClockKind, OrderLimits, SlaPolicies, SlaPolicy, Step, fire_due, follow};
use jiceng_orders::work_order::machine::ReturnReason;
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{
    Assignee, Capacity, Command, NewWorkOrder, Satisfaction, Urgency, WorkOrder, decide,
};

fn local(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn unit(n: u128, parent: Option<&UnitPath>) -> Assignee {
    let id = UnitId(uuid::Uuid::from_u128(n));
    Assignee {
        unit_id: id,
        unit_name: format!("单位{n}"),
        unit_path: parent.map_or_else(|| UnitPath::root(id), |p| p.child(id)),
    }
}

fn everyone() -> Capacity {
    Capacity {
        user: Some(UserId(uuid::Uuid::from_u128(7))),
        user_name: "t".into(),
        dispatcher: true,
        operator: true,
        lead_staff: true,
        lead_leader: true,
        supervisor: true,
        ..Default::default()
    }
}

struct Case {
    order: WorkOrder,
    policy: SlaPolicy,
    lead: Assignee,
}

impl Case {
    fn new(urgency: Urgency, at: DateTime<Utc>) -> Self {
        let county = unit(1, None);
        let lead = unit(2, Some(&county.unit_path));
        let new = NewWorkOrder::parse(IntakeForm {
            content: "消防通道被车辆堵塞",
            caller_phone: Some("13800001111"),
            urgency: Some(urgency),
            ..Default::default()
        })
        .unwrap();
        let (order, _) = new.into_order(
            OrderId::new_at(at),
            "JC1".into(),
            county,
            UserId(uuid::Uuid::from_u128(9)),
            "t",
            at,
        );
        Self {
            order,
            policy: SlaPolicies::china().default,
            lead,
        }
    }

    fn run(&mut self, cmd: Command, at: DateTime<Utc>) {
        let mut out = decide(&self.order, cmd, &everyone(), at).unwrap();
        let (limits, basis) = self.policy.limits_for(&out.order);
        follow(
            &self.order,
            &mut out.order,
            at,
            &self.policy,
            &limits,
            &basis,
        )
        .unwrap();
        self.order = out.order;
    }

    fn dispatch(&mut self, at: DateTime<Utc>) {
        let lead = self.lead.clone();
        self.run(
            Command::Dispatch {
                lead,
                co_units: vec![],
                note: None,
            },
            at,
        );
    }

    /// Fires everything due at `at`, returning the steps in order.
    fn sweep(&mut self, kind: ClockKind, at: DateTime<Utc>) -> Vec<Step> {
        let mut steps = Vec::new();
        while let Some(f) = fire_due(&self.order, kind, at, &self.policy).unwrap() {
            steps.push(f.step);
            self.order = f.order;
        }
        steps
    }
}

#[test]
fn an_emergency_counts_natural_hours_through_the_night() {
    // Friday 23:00: sign for within 1 hour, handle within 2, day or night.
    let mut c = Case::new(Urgency::Urgent, local(3, 6, 23, 0));
    c.dispatch(local(3, 6, 23, 0));
    let s = c.order.clocks.sign_for.clone().unwrap();
    assert_eq!(s.limit, TimeLimit::NaturalHours(1));
    assert_eq!(s.deadline, local(3, 7, 0, 0));
    assert_eq!(s.yellow_at, local(3, 6, 23, 45));
    assert_eq!(
        c.sweep(ClockKind::SignFor, local(3, 6, 23, 50)),
        [Step::Yellow]
    );
    c.run(Command::Accept, local(3, 6, 23, 55));
    assert_eq!(
        c.order.clocks.sign_for.as_ref().unwrap().on_time(),
        Some(true)
    );
    assert!(
        c.sweep(ClockKind::SignFor, local(3, 9, 0, 0)).is_empty(),
        "a stopped clock fires nothing"
    );
    let h = c.order.clocks.handling.clone().unwrap();
    assert_eq!(h.deadline, local(3, 7, 1, 55));
    assert_eq!(c.order.handling_due, Some(h.deadline));
    // Suspended 30 minutes: the deadline moves 30 minutes, though it is Saturday night.
    c.run(
        Command::Suspend {
            reason: "等待消防队到场".into(),
        },
        local(3, 7, 0, 10),
    );
    assert!(
        c.sweep(ClockKind::Handling, local(3, 7, 5, 0)).is_empty(),
        "a paused clock fires nothing"
    );
    c.run(Command::Resume { note: None }, local(3, 7, 0, 40));
    assert_eq!(
        c.order.clocks.handling.as_ref().unwrap().deadline,
        local(3, 7, 2, 25)
    );
    // The emergency ladder climbs in hours: supervision 2 h after breach, circular 4 h later.
    assert_eq!(
        c.sweep(ClockKind::Handling, local(3, 7, 2, 25)),
        [Step::Yellow, Step::Red, Step::Reminder]
    );
    assert!(c.sweep(ClockKind::Handling, local(3, 7, 4, 24)).is_empty());
    assert_eq!(
        c.sweep(ClockKind::Handling, local(3, 7, 4, 25)),
        [Step::Supervision]
    );
    assert_eq!(
        c.sweep(ClockKind::Handling, local(3, 7, 8, 25)),
        [Step::Circular]
    );
    assert!(
        c.sweep(ClockKind::Handling, local(4, 30, 0, 0)).is_empty(),
        "each step once"
    );
}

#[test]
fn return_reopen_and_callback_make_new_generations() {
    let t0 = local(3, 2, 9, 0);
    let mut c = Case::new(Urgency::Normal, t0);
    c.dispatch(t0);
    assert_eq!(
        c.order.clocks.sign_for.as_ref().unwrap().limit,
        TimeLimit::WorkingHours(4)
    );
    // Four working hours from 09:00 end at 14:30 (lunch 12:00–13:30 does not count).
    assert_eq!(
        c.order.clocks.sign_for.as_ref().unwrap().deadline,
        local(3, 2, 14, 30)
    );
    c.run(
        Command::Return {
            reason: ReturnReason::OutsideJurisdiction,
            legal_basis: None,
            explanation: "不在本辖区".into(),
        },
        t0 + Duration::hours(1),
    );
    assert!(
        c.order
            .clocks
            .sign_for
            .as_ref()
            .unwrap()
            .stopped_at
            .is_some()
    );
    c.dispatch(t0 + Duration::hours(2));
    assert_eq!(c.order.clocks.sign_for.as_ref().unwrap().generation, 2);
    c.run(Command::Accept, t0 + Duration::hours(3));
    c.run(
        Command::Reply {
            text: "已处理".into(),
            review: false,
        },
        local(3, 3, 10, 0),
    );
    let h = c.order.clocks.handling.clone().unwrap();
    assert_eq!((h.generation, h.on_time()), (1, Some(true)));
    // Monday 12:00 to Tuesday 10:00 is 4 h + 1 h of working time.
    assert_eq!(h.worked_secs, Some(5 * 3600));
    assert_eq!(
        c.order.clocks.callback.as_ref().unwrap().limit,
        TimeLimit::WorkingDays(3)
    );
    c.run(
        Command::FollowUp {
            satisfaction: Satisfaction::Unsatisfied,
            solved: false,
            unit_at_fault: true,
            comment: None,
        },
        local(3, 4, 10, 0),
    );
    assert!(
        c.order
            .clocks
            .callback
            .as_ref()
            .unwrap()
            .stopped_at
            .is_some()
    );
    let h = c.order.clocks.handling.clone().unwrap();
    assert_eq!(
        (h.generation, h.started_at, h.stopped_at),
        (2, local(3, 4, 10, 0), None)
    );
    assert_eq!(h.next_step, Some(Step::Yellow));
}

/// The four orders in which an extension (延期) and a suspension (挂起) can meet. The rule: the
/// date asked for is counted from the request, like the deadline it replaces, so every
/// suspension after the request moves it by the paused working time — once — whenever the
/// supervisor decides; a suspension that ended before the request does not move it.
#[test]
fn an_extension_and_a_suspension_move_the_deadline_once_whatever_their_order() {
    let requested = local(4, 10, 17, 30);
    let (suspend, resume) = (local(3, 3, 10, 0), local(3, 5, 10, 0));
    let extension = || Command::RequestExtension {
        reason: "需协调燃气公司停气施工".into(),
        new_due: requested,
    };
    let approve = || Command::DecideExtension {
        approve: true,
        comment: None,
    };
    let pause = || Command::Suspend {
        reason: "等待鉴定结论".into(),
    };
    let go_on = || Command::Resume { note: None };
    let handling = |c: &Case| c.order.clocks.handling.clone().unwrap();
    let started = |t0: DateTime<Utc>| {
        let mut c = Case::new(Urgency::Normal, t0);
        c.dispatch(t0);
        c.run(Command::Accept, t0);
        c
    };
    let t0 = local(3, 2, 9, 0);
    // Tuesday 10:00 to Thursday 10:00: two working days of 7 hours.
    let paused = started(t0)
        .policy
        .calendar
        .working_time_between(suspend, resume);
    assert_eq!(paused, Duration::hours(14));
    let moved = local(4, 14, 17, 30);

    // Approved, then suspended and resumed.
    let mut a = started(t0);
    a.run(extension(), local(3, 2, 10, 0));
    a.run(approve(), local(3, 2, 11, 0));
    assert_eq!(handling(&a).deadline, requested, "approval gives the date");
    a.run(pause(), suspend);
    a.run(go_on(), resume);
    assert_eq!(handling(&a).deadline, moved);

    // Suspended, approved while suspended, resumed.
    let mut b = started(t0);
    b.run(extension(), local(3, 2, 10, 0));
    b.run(pause(), suspend);
    b.run(approve(), local(3, 4, 9, 0));
    assert_eq!(handling(&b).deadline, requested);
    assert_eq!(handling(&b).next_due, None, "still paused");
    b.run(go_on(), resume);
    assert_eq!(handling(&b).deadline, moved, "the pause counts once");

    // Suspended and resumed, then approved: the pause after the request still counts.
    let mut c = started(t0);
    c.run(extension(), local(3, 2, 10, 0));
    c.run(pause(), suspend);
    c.run(go_on(), resume);
    c.run(approve(), local(3, 6, 9, 0));
    assert_eq!(handling(&c).deadline, moved);

    // Suspended and resumed before the request: the date asked for is the deadline.
    let mut d = started(t0);
    d.run(pause(), suspend);
    d.run(go_on(), resume);
    d.run(extension(), local(3, 6, 9, 0));
    d.run(approve(), local(3, 6, 10, 0));
    assert_eq!(handling(&d).deadline, requested);

    for case in [&a, &b, &c, &d] {
        let h = handling(case);
        assert_eq!(case.order.handling_due, Some(h.deadline));
        assert_eq!(h.paused_working_secs, paused.num_seconds());
        assert!(h.yellow_at < h.deadline);
    }

    // A rejected request leaves the deadline where the pause put it.
    let mut e = started(t0);
    let due = handling(&e).deadline;
    e.run(extension(), local(3, 2, 10, 0));
    e.run(pause(), suspend);
    e.run(go_on(), resume);
    e.run(
        Command::DecideExtension {
            approve: false,
            comment: Some("理由不充分".into()),
        },
        local(3, 6, 9, 0),
    );
    let h = handling(&e);
    assert_eq!(
        h.deadline,
        e.policy.calendar.add_working_hours(due, paused).unwrap()
    );
    // And a later request and approval starts its count afresh.
    e.run(extension(), local(3, 6, 10, 0));
    e.run(approve(), local(3, 6, 11, 0));
    assert_eq!(handling(&e).deadline, requested);
}
