//! Time limits as responsibility lists and policies state them: "2 小时" for an emergency,
//! "3 个工作日" for a consultation, "8 工作小时" for a sign-for.

use super::WorkCalendar;
use crate::error::codes;
use crate::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One time limit. Natural hours run around the clock (emergencies); working hours count only
/// working time; working days follow the administrative rule (the day of intake does not count,
/// the limit ends at the close of the n-th working day after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "unit", content = "amount", rename_all = "snake_case")]
pub enum TimeLimit {
    NaturalHours(u32),
    WorkingHours(u32),
    WorkingDays(u32),
}

/// The largest amount accepted for any unit: ten years of days, far beyond any real limit.
const MAX_AMOUNT: u32 = 3650;

impl TimeLimit {
    /// Parses `2h`, `2小时`, `2自然小时`, `8wh`, `8工作小时`, `3d`, `3wd`, `3工作日`,
    /// `3个工作日` (whitespace ignored). The amount must be 1..=3650.
    pub fn parse(s: &str) -> Result<Self> {
        let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let bad = || {
            Error::new(
                codes::TIME_LIMIT_INVALID,
                format!(
                    "无法识别的时限“{s}”：应写作“2小时”“8工作小时”或“3个工作日”（也可写 2h、8wh、3wd）"
                ),
            )
        };
        let n: u32 = num.parse().map_err(|_| bad())?;
        if n == 0 || n > MAX_AMOUNT {
            return Err(Error::new(
                codes::TIME_LIMIT_OUT_OF_RANGE,
                format!("时限“{s}”超出范围：数量应在 1 到 {MAX_AMOUNT} 之间"),
            ));
        }
        match unit.to_lowercase().as_str() {
            "h" | "小时" | "自然小时" | "个小时" => Ok(Self::NaturalHours(n)),
            "wh" | "工作小时" | "个工作小时" => Ok(Self::WorkingHours(n)),
            "d" | "wd" | "工作日" | "个工作日" => Ok(Self::WorkingDays(n)),
            _ => Err(bad()),
        }
    }

    /// The deadline of this limit for a clock started at `start`.
    pub fn deadline(&self, cal: &WorkCalendar, start: DateTime<Utc>) -> Result<DateTime<Utc>> {
        match *self {
            Self::NaturalHours(n) => Ok(start + Duration::hours(i64::from(n))),
            Self::WorkingHours(n) => cal.add_working_hours(start, Duration::hours(i64::from(n))),
            Self::WorkingDays(n) => cal.deadline_working_days(start, n),
        }
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NaturalHours(n) => write!(f, "{n}小时"),
            Self::WorkingHours(n) => write!(f, "{n}工作小时"),
            Self::WorkingDays(n) => write!(f, "{n}个工作日"),
        }
    }
}

/// The limits of the three clocks of a work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLimits {
    /// From dispatch to sign-for (签收).
    pub sign_for: TimeLimit,
    /// From sign-for to reply (办结).
    pub handling: TimeLimit,
    /// From reply to call-back (回访).
    pub callback: TimeLimit,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn parses_the_ways_lists_write_limits() {
        for (s, want) in [
            ("2小时", TimeLimit::NaturalHours(2)),
            ("2h", TimeLimit::NaturalHours(2)),
            (" 24 自然小时", TimeLimit::NaturalHours(24)),
            ("8工作小时", TimeLimit::WorkingHours(8)),
            ("8WH", TimeLimit::WorkingHours(8)),
            ("3个工作日", TimeLimit::WorkingDays(3)),
            ("15工作日", TimeLimit::WorkingDays(15)),
            ("3wd", TimeLimit::WorkingDays(3)),
        ] {
            assert_eq!(TimeLimit::parse(s).unwrap(), want, "{s}");
            assert_eq!(TimeLimit::parse(&want.to_string()).unwrap(), want);
        }
        for s in [
            "",
            "小时",
            "0h",
            "3周",
            "-2h",
            "99999999999h",
            "3651d",
            "2.5h",
        ] {
            assert!(TimeLimit::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn deadlines_follow_their_unit() {
        let cal = WorkCalendar::china().unwrap();
        // Friday 2026-09-25 10:00 +08:00, before the National Day holiday (Oct 1–8).
        let start = Utc.with_ymd_and_hms(2026, 9, 25, 2, 0, 0).unwrap();
        assert_eq!(
            TimeLimit::NaturalHours(2).deadline(&cal, start).unwrap(),
            start + Duration::hours(2)
        );
        let d = TimeLimit::WorkingDays(3).deadline(&cal, start).unwrap();
        assert!(cal.local(d).date() > chrono::NaiveDate::from_ymd_opt(2026, 9, 28).unwrap());
        let wh = TimeLimit::WorkingHours(8).deadline(&cal, start).unwrap();
        assert_eq!(cal.working_time_between(start, wh), Duration::hours(8));
    }
}
