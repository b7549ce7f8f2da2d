//! Working time: instants inside working hours, and durations counted in them only.

use super::{WorkCalendar, next_day};
use crate::error::codes;
use crate::{Error, Result};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

impl WorkCalendar {
    /// The local working intervals of `date`; none on a day off.
    pub(super) fn intervals_on(
        &self,
        date: NaiveDate,
    ) -> impl Iterator<Item = (NaiveDateTime, NaiveDateTime)> + '_ {
        let working = self.is_working_day(date);
        let midnight = date.and_time(chrono::NaiveTime::MIN);
        let at = move |secs: u32| midnight.checked_add_signed(Duration::seconds(i64::from(secs)));
        self.hours
            .intervals()
            .iter()
            .filter(move |_| working)
            .filter_map(move |i| Some((at(i.start)?, at(i.end)?)))
    }

    /// `t` itself if it lies in working hours, else the start of the next working interval.
    /// The end of an interval (12:00, 17:30) is not inside it.
    pub fn next_working_instant(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>> {
        let lt = self.local(t);
        let mut date = lt.date();
        loop {
            if let Some((start, _)) = self.intervals_on(date).find(|(_, end)| *end > lt) {
                return if start <= lt {
                    Ok(t)
                } else {
                    self.to_utc(start)
                };
            }
            date = next_day(date)?;
        }
    }

    /// The instant at which `d` of working time has passed since `t`. Time outside working
    /// hours does not count; a result that exhausts an interval is that interval's end
    /// (17:30, not the next morning). `d` = 0 gives `t` unchanged.
    pub fn add_working_hours(&self, t: DateTime<Utc>, d: Duration) -> Result<DateTime<Utc>> {
        if d < Duration::zero() {
            return Err(Error::new(
                codes::CALENDAR_NEGATIVE_DURATION,
                "工作时长不能为负数",
            ));
        }
        if d.is_zero() {
            return Ok(t);
        }
        let lt = self.local(t);
        let mut remaining = d;
        let mut date = lt.date();
        loop {
            for (start, end) in self.intervals_on(date) {
                let from = start.max(lt);
                if from >= end {
                    continue;
                }
                let available = end - from;
                if remaining <= available {
                    return self.to_utc(from + remaining);
                }
                remaining -= available;
            }
            date = next_day(date)?;
        }
    }

    /// Working time from `a` to `b`: the parts of `[a, b]` inside working hours of working
    /// days. Negative when `b` is before `a`.
    pub fn working_time_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        if b < a {
            return -self.working_time_between(b, a);
        }
        let (la, lb) = (self.local(a), self.local(b));
        let mut total = Duration::zero();
        let mut date = la.date();
        loop {
            for (start, end) in self.intervals_on(date) {
                let (from, to) = (start.max(la), end.min(lb));
                if from < to {
                    total += to - from;
                }
            }
            match date.succ_opt() {
                Some(next) if next <= lb.date() => date = next,
                _ => return total,
            }
        }
    }

    /// [`Self::working_time_between`] in working days: a full working day (its total working
    /// hours, 7 h by default) counts 1, so 2 days and 2 h 37.5 min is 2.375.
    pub fn working_days_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
        seconds(self.working_time_between(a, b)) / seconds(self.hours.daily_total())
    }
}

fn seconds(d: Duration) -> f64 {
    // Whole seconds and the nanosecond rest separately: nanoseconds overflow i64 past 292 years.
    d.num_seconds() as f64 + f64::from(d.subsec_nanos()) / 1e9
}
