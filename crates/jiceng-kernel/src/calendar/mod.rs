//! The working calendar (工作日历): which days are worked, at which hours, and the
//! arithmetic of time limits counted in working days or working hours.
//!
//! A working day is Monday to Friday, minus the public holidays, plus the make-up workdays
//! (调休) that the State Council announces each year. The schedules of 2019–2026 are built in
//! (see `holidays/README.md`); a later year is added with [`WorkCalendar::add_year`]. A year
//! without a schedule falls back to plain Monday–Friday, which is wrong only on its holidays
//! and make-up days: add its schedule as soon as the notice is published
//! ([`WorkCalendar::covers_year`] says which years are known).
//!
//! Every function takes and returns UTC instants and computes in the calendar's time zone, a
//! fixed UTC offset (default +08:00, Asia/Shanghai). A fixed offset is exact for China, which
//! has had no daylight saving time since 1991; zones with DST are not supported.
//!
//! Nothing here reads the clock or does I/O.

mod days;
pub mod holidays;
pub mod hours;
pub mod limit;
mod time;

pub use holidays::{DayKind, ScheduledDay, YearSchedule};
pub use hours::{Interval, WorkingHours};
pub use limit::{TimeLimit, TimeLimits};

use crate::error::codes;
use crate::{Error, Result};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, Utc, Weekday,
};
use std::collections::{BTreeMap, HashMap};

/// UTC+08:00, the offset of Asia/Shanghai (China Standard Time, 北京时间).
pub fn china_standard_time() -> FixedOffset {
    // east_opt fails only outside ±24 h.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Working days and hours of one jurisdiction.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    offset: FixedOffset,
    hours: WorkingHours,
    schedules: BTreeMap<i32, YearSchedule>,
    /// All schedules merged: what each listed date is.
    days: HashMap<NaiveDate, DayKind>,
}

impl WorkCalendar {
    /// Mainland China: the built-in schedules, 09:00–12:00 and 13:30–17:30, UTC+08:00.
    pub fn china() -> Result<Self> {
        let mut cal = Self::weekdays_only(china_standard_time(), WorkingHours::default());
        for json in holidays::EMBEDDED {
            cal.add_year(json)?;
        }
        Ok(cal)
    }

    /// Monday to Friday with no holidays, until schedules are added.
    pub fn weekdays_only(offset: FixedOffset, hours: WorkingHours) -> Self {
        Self {
            offset,
            hours,
            schedules: BTreeMap::new(),
            days: HashMap::new(),
        }
    }

    /// The same calendar with other working hours (a jurisdiction's own).
    pub fn with_hours(mut self, hours: WorkingHours) -> Self {
        self.hours = hours;
        self
    }

    /// The same calendar in another fixed UTC offset.
    pub fn with_offset(mut self, offset: FixedOffset) -> Self {
        self.offset = offset;
        self
    }

    /// Parses, checks and adds one year's schedule (holiday-cn JSON); returns its year.
    /// A schedule for a year already present replaces it.
    pub fn add_year(&mut self, json: &str) -> Result<i32> {
        let schedule = YearSchedule::parse(json)?;
        let year = schedule.year;
        self.add_schedule(schedule);
        Ok(year)
    }

    /// Adds an already parsed schedule, replacing any for the same year.
    pub fn add_schedule(&mut self, schedule: YearSchedule) {
        self.schedules.insert(schedule.year, schedule);
        self.merge();
    }

    /// Rebuilds the merged view. A schedule may list dates of the year before (2018-12-29 in
    /// the 2019 schedule); where two schedules disagree, the date's own year decides.
    fn merge(&mut self) {
        self.days.clear();
        for own_year in [false, true] {
            for s in self.schedules.values() {
                for d in &s.days {
                    if (d.date.year() == s.year) == own_year {
                        self.days.insert(d.date, d.kind);
                    }
                }
            }
        }
    }

    /// The years that have a schedule, ascending.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.schedules.keys().copied()
    }

    /// Whether `year` has a schedule; if not, it is counted as plain Monday–Friday.
    pub fn covers_year(&self, year: i32) -> bool {
        self.schedules.contains_key(&year)
    }

    /// One year's schedule.
    pub fn schedule(&self, year: i32) -> Option<&YearSchedule> {
        self.schedules.get(&year)
    }

    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// Whether `date` (a local date) is worked.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(DayKind::Off) => false,
            Some(DayKind::Work) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The local wall-clock time of `t`.
    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.offset).naive_local()
    }

    /// The UTC instant of a local wall-clock time.
    pub fn to_utc(&self, local: NaiveDateTime) -> Result<DateTime<Utc>> {
        local
            .checked_sub_signed(Duration::seconds(i64::from(self.offset.local_minus_utc())))
            .map(|n| n.and_utc())
            .ok_or_else(out_of_range)
    }
}

/// The last date the calendar steps to; it bounds every search for a working day.
fn last_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The day after `date`, or an error past [`last_date`].
fn next_day(date: NaiveDate) -> Result<NaiveDate> {
    date.succ_opt()
        .filter(|d| *d <= last_date())
        .ok_or_else(out_of_range)
}

fn out_of_range() -> Error {
    Error::new(
        codes::CALENDAR_OUT_OF_RANGE,
        "时间超出工作日历支持的范围（至 9999 年底）",
    )
}
