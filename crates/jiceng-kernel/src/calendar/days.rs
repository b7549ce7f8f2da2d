//! Time limits counted in working days.

use super::{WorkCalendar, next_day, out_of_range};
use crate::error::codes;
use crate::{Error, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};

impl WorkCalendar {
    /// `n` full working days of working time after `t` ([`Self::add_working_hours`] of
    /// n × the daily hours): Tuesday 10:00 + 1 is Wednesday 10:00, and an instant outside
    /// working hours starts at the next working instant (Friday 18:00 + 1 is the close of
    /// Monday). Monotonic in `t` and in `n`.
    pub fn add_working_days(&self, t: DateTime<Utc>, n: u32) -> Result<DateTime<Utc>> {
        let d = i32::try_from(n)
            .ok()
            .and_then(|n| self.hours.daily_total().checked_mul(n))
            .ok_or_else(out_of_range)?;
        self.add_working_hours(t, d)
    }

    /// The deadline of an administrative time limit of `n` working days (n ≥ 1) from `t`:
    /// the day of intake does not count (期间开始之日不计算在内), whatever the hour or kind of
    /// that day, and the limit ends at the close of working hours of the n-th working day
    /// after it.
    pub fn deadline_working_days(&self, t: DateTime<Utc>, n: u32) -> Result<DateTime<Utc>> {
        if n == 0 {
            return Err(Error::new(
                codes::CALENDAR_ZERO_DAYS,
                "期限至少为 1 个工作日",
            ));
        }
        let day = self.nth_working_day_after(self.local(t).date(), n)?;
        self.close_of(day)
    }

    /// The n-th working day strictly after `date` (n = 0 gives `date`).
    pub fn nth_working_day_after(&self, date: NaiveDate, n: u32) -> Result<NaiveDate> {
        let mut date = date;
        let mut left = n;
        while left > 0 {
            date = next_day(date)?;
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        Ok(date)
    }

    /// The close of working hours (17:30 by default) on a local date.
    pub fn close_of(&self, date: NaiveDate) -> Result<DateTime<Utc>> {
        let close = date
            .and_time(chrono::NaiveTime::MIN)
            .checked_add_signed(Duration::seconds(i64::from(self.hours.close())))
            .ok_or_else(out_of_range)?;
        self.to_utc(close)
    }
}
