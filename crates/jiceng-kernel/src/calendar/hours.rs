//! Working hours of one day: sorted, non-overlapping intervals of local time.

use crate::error::codes;
use crate::{Error, Result};
use chrono::Duration;

const DAY_SECONDS: u32 = 24 * 3600;

/// One interval of working time, in seconds after local midnight: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: u32,
    /// At most 86 400 (24:00, the next midnight).
    pub end: u32,
}

/// The working hours of every working day of a jurisdiction.
///
/// Every working day has the same hours; a make-up workday (调休) works the hours of a weekday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    intervals: Vec<Interval>,
}

impl Default for WorkingHours {
    /// 09:00–12:00 and 13:30–17:30, the usual hours of Chinese government offices.
    fn default() -> Self {
        Self {
            intervals: vec![
                Interval {
                    start: 9 * 3600,
                    end: 12 * 3600,
                },
                Interval {
                    start: 13 * 3600 + 1800,
                    end: 17 * 3600 + 1800,
                },
            ],
        }
    }
}

impl WorkingHours {
    /// Hours from `(start, end)` pairs in seconds after midnight. The pairs may come in any
    /// order; touching intervals are allowed, overlapping ones are not.
    pub fn from_seconds(pairs: &[(u32, u32)]) -> Result<Self> {
        let mut intervals: Vec<Interval> = pairs
            .iter()
            .map(|&(start, end)| Interval { start, end })
            .collect();
        if intervals.is_empty() {
            return Err(invalid("至少需要一个工作时段"));
        }
        intervals.sort_by_key(|i| i.start);
        for i in &intervals {
            if i.start >= i.end || i.end > DAY_SECONDS {
                return Err(invalid(format!(
                    "工作时段 {}-{} 无效：开始须早于结束，且不超过 24:00",
                    clock(i.start),
                    clock(i.end)
                )));
            }
        }
        for pair in intervals.windows(2) {
            if let [a, b] = pair
                && b.start < a.end
            {
                return Err(invalid(format!(
                    "工作时段 {}-{} 与 {}-{} 重叠",
                    clock(a.start),
                    clock(a.end),
                    clock(b.start),
                    clock(b.end)
                )));
            }
        }
        Ok(Self { intervals })
    }

    /// Parses `09:00-12:00,13:30-17:30` (`HH:MM` or `HH:MM:SS`; `24:00` ends a day).
    pub fn parse(spec: &str) -> Result<Self> {
        let mut pairs = Vec::new();
        for part in spec.split(',') {
            let part = part.trim();
            let Some((a, b)) = part.split_once('-') else {
                return Err(invalid(format!(
                    "工作时段 {part:?} 应写作 HH:MM-HH:MM，例如 09:00-12:00"
                )));
            };
            pairs.push((parse_clock(a.trim())?, parse_clock(b.trim())?));
        }
        Self::from_seconds(&pairs)
    }

    /// The intervals, sorted by start.
    pub fn intervals(&self) -> &[Interval] {
        &self.intervals
    }

    /// Working time in one full working day (7 h by default).
    pub fn daily_total(&self) -> Duration {
        let secs: u32 = self.intervals.iter().map(|i| i.end - i.start).sum();
        Duration::seconds(i64::from(secs))
    }

    /// Seconds after midnight at which the working day closes.
    pub fn close(&self) -> u32 {
        self.intervals.last().map_or(0, |i| i.end)
    }
}

impl std::fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, i) in self.intervals.iter().enumerate() {
            if k > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}-{}", clock(i.start), clock(i.end))?;
        }
        Ok(())
    }
}

fn parse_clock(s: &str) -> Result<u32> {
    let bad = || invalid(format!("时刻 {s:?} 应写作 HH:MM 或 HH:MM:SS"));
    let fields: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&fields.len())
        || fields
            .iter()
            .any(|f| f.len() != 2 || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let num = |k: usize| fields.get(k).map_or(Ok(0), |f| f.parse::<u32>());
    let (h, m, sec) = match (num(0), num(1), num(2)) {
        (Ok(h), Ok(m), Ok(sec)) => (h, m, sec),
        _ => return Err(bad()),
    };
    if m > 59 || sec > 59 || h > 24 || (h == 24 && (m, sec) != (0, 0)) {
        return Err(bad());
    }
    Ok(h * 3600 + m * 60 + sec)
}

/// `HH:MM`, or `HH:MM:SS` when there are seconds.
fn clock(secs: u32) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(codes::CALENDAR_INVALID_HOURS, message)
}
