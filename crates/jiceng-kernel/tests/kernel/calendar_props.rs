//! Properties of working-time arithmetic over random instants, durations and working hours,
//! across 2018–2028 (the embedded schedules, the years beside them and their year ends).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use jiceng_kernel::calendar::{WorkCalendar, WorkingHours};
use proptest::prelude::*;
use std::sync::LazyLock;

/// 2018-06-01 and 2028-06-01, 00:00 UTC.
const FROM: i64 = 1_527_811_200;
const TO: i64 = 1_843_430_400;

/// Local times of day that sit on the default hours' boundaries, in seconds.
const EDGES: [i64; 6] = [
    0,
    9 * 3600,
    12 * 3600,
    13 * 3600 + 1800,
    17 * 3600 + 1800,
    86_399,
];

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let any_time = (FROM..TO, prop_oneof![Just(0u32), 0u32..1_000_000_000])
        .prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).unwrap());
    // Whole Beijing days plus a boundary time, where off-by-one mistakes hide.
    let edge = (0i64..3650, prop::sample::select(EDGES.to_vec())).prop_map(|(day, secs)| {
        let local_midnight = FROM + day * 86_400 - 8 * 3600;
        DateTime::from_timestamp(local_midnight + secs, 0).unwrap()
    });
    prop_oneof![3 => any_time, 1 => edge]
}

/// Up to 2,000 working hours (about 14 months), sometimes whole days or exact hours.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0i64..2_000 * 3600, 0u32..1_000_000_000)
            .prop_map(|(s, ns)| Duration::seconds(s) + Duration::nanoseconds(i64::from(ns))),
        (0i64..300).prop_map(|d| Duration::hours(7 * d)),
        (0i64..2_000).prop_map(Duration::hours),
    ]
}

/// Random non-overlapping working hours on a quarter-hour grid.
fn working_hours() -> impl Strategy<Value = WorkingHours> {
    prop::collection::btree_set(0u32..=96, 2..=8).prop_map(|points| {
        let points: Vec<u32> = points.into_iter().map(|q| q * 900).collect();
        let pairs: Vec<(u32, u32)> = points.chunks_exact(2).map(|p| (p[0], p[1])).collect();
        WorkingHours::from_seconds(&pairs).unwrap()
    })
}

/// Parsed once: eight JSON files per case would dominate the run.
static CHINA: LazyLock<WorkCalendar> = LazyLock::new(|| WorkCalendar::china().unwrap());

fn cal() -> &'static WorkCalendar {
    &CHINA
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn adding_working_hours_round_trips(t in instant(), d in duration()) {
        let c = cal();
        let end = c.add_working_hours(t, d).unwrap();
        prop_assert!(end >= t);
        prop_assert_eq!(c.working_time_between(t, end), d);
        prop_assert_eq!(c.working_time_between(end, t), -d);
    }

    #[test]
    fn round_trip_with_any_working_hours(
        t in instant(),
        d in duration(),
        hours in working_hours(),
    ) {
        let c = cal().clone().with_hours(hours);
        let end = c.add_working_hours(t, d).unwrap();
        prop_assert_eq!(c.working_time_between(t, end), d);
    }

    #[test]
    fn add_working_days_is_monotonic(
        a in instant(),
        b in instant(),
        n in 0u32..250,
        m in 0u32..250,
    ) {
        let c = cal();
        let (t1, t2) = (a.min(b), a.max(b));
        let (n1, n2) = (n.min(m), n.max(m));
        prop_assert!(c.add_working_days(t1, n1).unwrap() <= c.add_working_days(t2, n1).unwrap());
        prop_assert!(c.add_working_days(t1, n1).unwrap() <= c.add_working_days(t1, n2).unwrap());
        // And so are deadlines.
        let (n1, n2) = (n1 + 1, n2 + 1);
        prop_assert!(
            c.deadline_working_days(t1, n1).unwrap() <= c.deadline_working_days(t2, n1).unwrap()
        );
        prop_assert!(
            c.deadline_working_days(t1, n1).unwrap() <= c.deadline_working_days(t1, n2).unwrap()
        );
    }

    #[test]
    fn the_next_working_instant_is_reached_without_working_time(t in instant()) {
        let c = cal();
        let next = c.next_working_instant(t).unwrap();
        prop_assert!(next >= t);
        prop_assert_eq!(c.working_time_between(t, next), Duration::zero());
        prop_assert!(c.is_working_day(c.local(next).date()));
        // It lies inside working hours: the next nanosecond is working time.
        let later = next + Duration::nanoseconds(1);
        prop_assert_eq!(c.working_time_between(next, later), Duration::nanoseconds(1));
    }

    #[test]
    fn a_deadline_closes_a_working_day_after_the_intake_day(t in instant(), n in 1u32..60) {
        let c = cal();
        let deadline = c.deadline_working_days(t, n).unwrap();
        let day = c.local(deadline).date();
        prop_assert!(day > c.local(t).date());
        prop_assert!(c.is_working_day(day));
        prop_assert_eq!(c.local(deadline).time().to_string(), "17:30:00");
        // Exactly n working days lie after the intake day, up to and including the deadline's.
        let worked = (1..)
            .map(|k| c.local(t).date() + chrono::Days::new(k))
            .take_while(|d| *d <= day)
            .filter(|d| c.is_working_day(*d))
            .count();
        prop_assert_eq!(worked, n as usize);
    }
}
