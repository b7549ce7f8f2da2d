//! The State Council's yearly holiday schedules (节假日安排), in the JSON of holiday-cn:
//! `{year, papers, days: [{name, date, isOffDay}]}`.

use crate::error::codes;
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashSet;

/// The schedules built into the binary (see `holidays/README.md`).
pub(super) const EMBEDDED: [&str; 8] = [
    include_str!("holidays/2019.json"),
    include_str!("holidays/2020.json"),
    include_str!("holidays/2021.json"),
    include_str!("holidays/2022.json"),
    include_str!("holidays/2023.json"),
    include_str!("holidays/2024.json"),
    include_str!("holidays/2025.json"),
    include_str!("holidays/2026.json"),
];

/// Years a schedule may be given for.
pub const YEARS: std::ops::RangeInclusive<i64> = 1900..=9999;

/// What a schedule says about one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday, or a weekday given off in exchange for a make-up workday (放假).
    Off,
    /// A weekend day that is worked (调休上班). `isOffDay: false` in the JSON.
    Work,
}

/// One date of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledDay {
    /// The festival it belongs to (春节, 国庆节, …).
    pub name: String,
    pub date: NaiveDate,
    pub kind: DayKind,
}

/// One year's validated schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSchedule {
    pub year: i32,
    /// The notices it transcribes.
    pub papers: Vec<String>,
    /// Dates of the year, and sometimes of the last days of the year before
    /// (the 2019 schedule names 2018-12-29 as a make-up workday).
    pub days: Vec<ScheduledDay>,
}

#[derive(Deserialize)]
struct RawYear {
    year: i64,
    papers: Vec<String>,
    days: Vec<RawDay>,
}

#[derive(Deserialize)]
struct RawDay {
    name: String,
    date: String,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

impl YearSchedule {
    /// Parses and checks one year's JSON. Errors name the entry at fault.
    pub fn parse(json: &str) -> Result<Self> {
        let raw: RawYear = serde_json::from_str(json).map_err(|e| {
            Error::new(
                codes::CALENDAR_INVALID_JSON,
                format!("节假日文件不是有效的 {{year, papers, days}} JSON：{e}"),
            )
        })?;
        if !YEARS.contains(&raw.year) {
            return Err(Error::new(
                codes::CALENDAR_INVALID_YEAR,
                format!("年份 {} 超出范围 1900–9999", raw.year),
            ));
        }
        let year = i32::try_from(raw.year).unwrap_or_default();
        if raw.days.is_empty() {
            return Err(Error::new(
                codes::CALENDAR_EMPTY_YEAR,
                format!("{year} 年的安排没有任何日期（国务院的通知可能尚未发布）"),
            ));
        }
        let mut seen = HashSet::new();
        let mut days = Vec::with_capacity(raw.days.len());
        for (k, d) in raw.days.into_iter().enumerate() {
            let date = parse_date(&d.date).ok_or_else(|| {
                Error::new(
                    codes::CALENDAR_INVALID_DATE,
                    format!("days[{k}]：日期 {:?} 应为 YYYY-MM-DD", d.date),
                )
            })?;
            if !(year - 1..=year + 1).contains(&chrono::Datelike::year(&date)) {
                return Err(Error::new(
                    codes::CALENDAR_INVALID_DATE,
                    format!("days[{k}]：日期 {date} 不在 {year} 年及其前后一年内"),
                ));
            }
            if !seen.insert(date) {
                return Err(Error::new(
                    codes::CALENDAR_DUPLICATE_DATE,
                    format!("days[{k}]：日期 {date} 重复出现"),
                ));
            }
            let kind = if d.is_off_day {
                DayKind::Off
            } else {
                DayKind::Work
            };
            days.push(ScheduledDay {
                name: d.name,
                date,
                kind,
            });
        }
        Ok(Self {
            year,
            papers: raw.papers,
            days,
        })
    }
}

/// Exactly `YYYY-MM-DD` (chrono alone would also take `2026-2-1`).
fn parse_date(s: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    (date.format("%Y-%m-%d").to_string() == s).then_some(date)
}
