//! The working calendar on dates checked by hand against the State Council's notices.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use jiceng_kernel::calendar::{WorkCalendar, WorkingHours};

fn cal() -> WorkCalendar {
    WorkCalendar::china().unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A Beijing wall-clock time as a UTC instant.
fn bj(s: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    (local - Duration::hours(8)).and_utc()
}

fn hours(h: f64) -> Duration {
    Duration::seconds((h * 3600.0) as i64)
}

#[test]
fn embedded_years_are_2019_to_2026() {
    let c = cal();
    assert_eq!(
        c.years().collect::<Vec<_>>(),
        (2019..=2026).collect::<Vec<_>>()
    );
    assert!(!c.covers_year(2027));
    assert_eq!(c.hours().daily_total(), Duration::hours(7));
    assert_eq!(c.offset().local_minus_utc(), 8 * 3600);
}

#[test]
fn make_up_saturday_before_spring_festival_2026_is_worked() {
    let c = cal();
    assert!(c.is_working_day(date("2026-02-14")), "Saturday 调休上班");
    for d in 15..=23 {
        let day = NaiveDate::from_ymd_opt(2026, 2, d).unwrap();
        assert!(!c.is_working_day(day), "{day} is 春节");
    }
    assert!(c.is_working_day(date("2026-02-24")));
    assert!(
        c.is_working_day(date("2026-02-28")),
        "second make-up Saturday"
    );
    assert!(
        !c.is_working_day(date("2026-02-21")),
        "a Saturday inside the holiday"
    );
    // A schedule may name the year before: 2018-12-29 was worked for New Year 2019.
    assert!(c.is_working_day(date("2018-12-29")));
    assert!(!c.is_working_day(date("2018-12-31")));
}

#[test]
fn ordinary_weekends_and_weekdays() {
    let c = cal();
    assert!(c.is_working_day(date("2025-03-12")));
    assert!(!c.is_working_day(date("2025-03-15")));
    assert!(!c.is_working_day(date("2025-03-16")));
}

#[test]
fn three_working_days_from_the_friday_before_national_day_2025() {
    let c = cal();
    // Sat 09-27 off, Sun 09-28 worked (调休), Mon 29, Tue 30; 10-01..10-08 off.
    let t = bj("2025-09-26 10:00");
    assert_eq!(
        c.deadline_working_days(t, 3).unwrap(),
        bj("2025-09-30 17:30")
    );
    assert_eq!(
        c.deadline_working_days(t, 4).unwrap(),
        bj("2025-10-09 17:30")
    );
    assert_eq!(
        c.deadline_working_days(t, 6).unwrap(),
        bj("2025-10-11 17:30"),
        "the make-up Saturday after the holiday counts"
    );
    // 2026: Sun 09-20 is worked; the 中秋 Friday 09-25 is off.
    assert_eq!(
        c.deadline_working_days(bj("2026-09-18 16:00"), 3).unwrap(),
        bj("2026-09-22 17:30")
    );
    assert_eq!(
        c.deadline_working_days(bj("2026-09-30 09:00"), 1).unwrap(),
        bj("2026-10-08 17:30")
    );
}

#[test]
fn deadlines_cross_the_year_end() {
    let c = cal();
    // 2026-01-01..03 off, Sunday 01-04 worked.
    assert_eq!(
        c.deadline_working_days(bj("2025-12-31 11:00"), 1).unwrap(),
        bj("2026-01-04 17:30")
    );
    // 2020-01-01 off, then Thu 2, Fri 3, Mon 6.
    assert_eq!(
        c.deadline_working_days(bj("2019-12-31 15:00"), 3).unwrap(),
        bj("2020-01-06 17:30")
    );
    assert_eq!(
        c.add_working_days(bj("2025-12-31 10:00"), 1).unwrap(),
        bj("2026-01-04 10:00")
    );
}

#[test]
fn the_intake_day_never_counts() {
    let c = cal();
    for at in ["08:00", "09:00", "12:30", "17:29", "18:00", "23:59"] {
        let t = bj(&format!("2026-02-12 {at}"));
        assert_eq!(
            c.deadline_working_days(t, 1).unwrap(),
            bj("2026-02-13 17:30"),
            "intake at {at}"
        );
    }
    // Intake on a holiday: the first working day after it.
    assert_eq!(
        c.deadline_working_days(bj("2026-02-17 10:00"), 1).unwrap(),
        bj("2026-02-24 17:30")
    );
    // Intake on Friday before the holiday: the make-up Saturday is day 1.
    assert_eq!(
        c.deadline_working_days(bj("2026-02-13 10:00"), 2).unwrap(),
        bj("2026-02-24 17:30")
    );
    assert_eq!(
        c.deadline_working_days(bj("2026-02-13 10:00"), 0)
            .unwrap_err()
            .code,
        "calendar.zero_days"
    );
}

#[test]
fn instants_outside_working_hours() {
    let c = cal();
    // 08:00: before work; 12:30: lunch; 18:00: after work; a holiday.
    assert_eq!(
        c.next_working_instant(bj("2025-03-12 08:00")).unwrap(),
        bj("2025-03-12 09:00")
    );
    assert_eq!(
        c.next_working_instant(bj("2025-03-12 12:30")).unwrap(),
        bj("2025-03-12 13:30")
    );
    assert_eq!(
        c.next_working_instant(bj("2025-03-12 18:00")).unwrap(),
        bj("2025-03-13 09:00")
    );
    assert_eq!(
        c.next_working_instant(bj("2025-10-03 10:00")).unwrap(),
        bj("2025-10-09 09:00")
    );
    let inside = bj("2025-03-12 10:15");
    assert_eq!(c.next_working_instant(inside).unwrap(), inside);
    // The end of an interval is outside it.
    assert_eq!(
        c.next_working_instant(bj("2025-03-12 17:30")).unwrap(),
        bj("2025-03-13 09:00")
    );

    assert_eq!(
        c.add_working_hours(bj("2025-03-12 08:00"), hours(1.0))
            .unwrap(),
        bj("2025-03-12 10:00")
    );
    assert_eq!(
        c.add_working_hours(bj("2025-03-12 12:30"), hours(1.0))
            .unwrap(),
        bj("2025-03-12 14:30")
    );
    assert_eq!(
        c.add_working_hours(bj("2025-03-12 11:00"), hours(2.0))
            .unwrap(),
        bj("2025-03-12 14:30"),
        "lunch does not count"
    );
    assert_eq!(
        c.add_working_hours(bj("2025-03-12 18:00"), hours(1.0))
            .unwrap(),
        bj("2025-03-13 10:00")
    );
    assert_eq!(
        c.add_working_hours(bj("2025-10-03 10:00"), hours(7.0))
            .unwrap(),
        bj("2025-10-09 17:30"),
        "a full day ends at the close, not the next morning"
    );
    assert_eq!(
        c.add_working_days(bj("2025-03-14 18:00"), 1).unwrap(),
        bj("2025-03-17 17:30")
    );
    assert_eq!(
        c.add_working_hours(bj("2025-03-12 18:00"), Duration::zero())
            .unwrap(),
        bj("2025-03-12 18:00")
    );
    assert!(
        c.add_working_hours(bj("2025-03-12 18:00"), Duration::seconds(-1))
            .is_err()
    );
}

#[test]
fn working_time_between_instants() {
    let c = cal();
    let b = |x, y| c.working_time_between(bj(x), bj(y));
    assert_eq!(b("2025-03-12 08:00", "2025-03-12 18:00"), hours(7.0));
    assert_eq!(b("2025-03-12 12:00", "2025-03-12 13:30"), Duration::zero());
    assert_eq!(b("2025-03-12 11:00", "2025-03-12 14:00"), hours(1.5));
    assert_eq!(b("2025-03-12 14:00", "2025-03-12 11:00"), hours(-1.5));
    // Over National Day 2025: Tue 30 afternoon, then Thu 10-09 morning.
    assert_eq!(b("2025-09-30 13:30", "2025-10-09 12:00"), hours(7.0));
    let d = c.working_days_between(bj("2025-03-10 09:00"), bj("2025-03-12 11:37"));
    assert!((d - (2.0 + 157.0 / 420.0)).abs() < 1e-9, "{d}");
    let full = c.working_days_between(bj("2026-02-13 00:00"), bj("2026-02-25 00:00"));
    assert!((full - 3.0).abs() < 1e-12, "13, 14 and 24 → {full}");
}

#[test]
fn years_beyond_the_data_fall_back_to_weekdays_until_added() {
    let mut c = cal();
    // 2027-01-01 is a Friday: without a schedule it is worked.
    assert!(c.is_working_day(date("2027-01-01")));
    assert!(!c.is_working_day(date("2027-01-02")));
    let json = r#"{"year": 2027, "papers": [], "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
        {"name": "元旦", "date": "2027-01-02", "isOffDay": false}
    ]}"#;
    assert_eq!(c.add_year(json).unwrap(), 2027);
    assert!(c.covers_year(2027));
    assert!(!c.is_working_day(date("2027-01-01")));
    assert!(c.is_working_day(date("2027-01-02")));
    // A new schedule for the same year replaces the old one.
    let json = r#"{"year": 2027, "papers": [], "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true}
    ]}"#;
    c.add_year(json).unwrap();
    assert!(!c.is_working_day(date("2027-01-02")));
}

#[test]
fn bad_schedules_are_refused_with_a_reason() {
    let mut c = cal();
    let cases = [
        ("not json", "calendar.invalid_json"),
        (r#"{"year": 2027, "days": []}"#, "calendar.invalid_json"),
        (
            r#"{"year": 2027, "papers": [], "days": [{"name": "x", "date": "2027-01-01"}]}"#,
            "calendar.invalid_json",
        ),
        (
            r#"{"year": 2027, "papers": [], "days": []}"#,
            "calendar.empty_year",
        ),
        (
            r#"{"year": 20270, "papers": [], "days": [{"name": "x", "date": "2027-01-01", "isOffDay": true}]}"#,
            "calendar.invalid_year",
        ),
        (
            r#"{"year": 2027, "papers": [], "days": [{"name": "x", "date": "2027-1-1", "isOffDay": true}]}"#,
            "calendar.invalid_date",
        ),
        (
            r#"{"year": 2027, "papers": [], "days": [{"name": "x", "date": "2027-02-30", "isOffDay": true}]}"#,
            "calendar.invalid_date",
        ),
        (
            r#"{"year": 2027, "papers": [], "days": [{"name": "x", "date": "2029-01-01", "isOffDay": true}]}"#,
            "calendar.invalid_date",
        ),
        (
            r#"{"year": 2027, "papers": [], "days": [
                {"name": "x", "date": "2027-01-01", "isOffDay": true},
                {"name": "x", "date": "2027-01-01", "isOffDay": false}]}"#,
            "calendar.duplicate_date",
        ),
    ];
    for (json, code) in cases {
        let e = c.add_year(json).unwrap_err();
        assert_eq!(e.code, code, "{json}: {}", e.message);
        assert!(!e.message.is_empty());
    }
    assert!(!c.covers_year(2027), "a refused schedule changes nothing");
}

#[test]
fn working_hours_are_configurable() {
    let h = WorkingHours::parse("08:30-12:00, 14:00-18:00").unwrap();
    assert_eq!(h.daily_total(), hours(7.5));
    assert_eq!(h.to_string(), "08:30-12:00,14:00-18:00");
    let c = cal().with_hours(h);
    assert_eq!(
        c.deadline_working_days(bj("2025-03-12 10:00"), 1).unwrap(),
        bj("2025-03-13 18:00")
    );
    assert_eq!(
        c.next_working_instant(bj("2025-03-12 12:30")).unwrap(),
        bj("2025-03-12 14:00")
    );
    let round = WorkingHours::parse("00:00-24:00").unwrap();
    assert_eq!(round.daily_total(), Duration::hours(24));
    for bad in [
        "",
        "09:00",
        "9:00-12:00",
        "12:00-09:00",
        "09:00-12:00,11:00-13:00",
        "09:00-24:01",
        "09:60-10:00",
    ] {
        let e = WorkingHours::parse(bad).unwrap_err();
        assert_eq!(e.code, "calendar.invalid_hours", "{bad:?}");
    }
}

#[test]
fn another_time_zone() {
    let utc = chrono::FixedOffset::east_opt(0).unwrap();
    let c = cal().with_offset(utc);
    let t = DateTime::parse_from_rfc3339("2026-02-13T10:00:00Z")
        .unwrap()
        .to_utc();
    assert_eq!(
        c.deadline_working_days(t, 1).unwrap(),
        DateTime::parse_from_rfc3339("2026-02-14T17:30:00Z")
            .unwrap()
            .to_utc()
    );
}

#[test]
fn arithmetic_stops_at_the_end_of_the_supported_range() {
    let c = cal();
    let t = bj("9999-12-30 10:00");
    assert_eq!(
        c.deadline_working_days(t, 5).unwrap_err().code,
        "calendar.out_of_range"
    );
    assert!(c.add_working_days(t, u32::MAX).is_err());
}
