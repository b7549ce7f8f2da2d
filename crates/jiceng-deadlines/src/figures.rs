//! The figures a dashboard shows per unit and period: on-time rate, overdue counts, average
//! and median handling time in working hours.

use jiceng_kernel::ids::UnitId;
use serde::Serialize;
use std::collections::BTreeMap;

/// A stopped clock, as storage returns it for the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedClock {
    pub unit_id: UnitId,
    pub unit_name: String,
    pub worked_secs: i64,
    pub on_time: bool,
}

/// Open clocks of one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenClocks {
    pub unit_id: UnitId,
    pub unit_name: String,
    pub open: u64,
    pub overdue: u64,
}

/// The figures of one unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitFigures {
    pub unit_id: UnitId,
    pub unit_name: String,
    /// Clocks stopped in the period.
    pub closed: u64,
    pub closed_on_time: u64,
    /// closed_on_time / closed; absent when nothing closed.
    pub on_time_rate: Option<f64>,
    /// Working hours from start to stop, pauses excluded.
    pub average_hours: Option<f64>,
    pub median_hours: Option<f64>,
    /// Clocks open now, and those of them past their deadline.
    pub open: u64,
    pub overdue: u64,
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0),
    }
}

/// Per-unit figures, units sorted by name; a unit appears if it closed or holds any clock.
pub fn aggregate(closed: &[ClosedClock], open: &[OpenClocks]) -> Vec<UnitFigures> {
    let mut by: BTreeMap<UnitId, (String, Vec<i64>, u64, u64, u64)> = BTreeMap::new();
    for c in closed {
        let e = by
            .entry(c.unit_id)
            .or_insert_with(|| (c.unit_name.clone(), Vec::new(), 0, 0, 0));
        e.1.push(c.worked_secs);
        e.2 += u64::from(c.on_time);
    }
    for o in open {
        let e = by
            .entry(o.unit_id)
            .or_insert_with(|| (o.unit_name.clone(), Vec::new(), 0, 0, 0));
        e.3 += o.open;
        e.4 += o.overdue;
    }
    let hours = |s: f64| s / 3600.0;
    let mut out: Vec<UnitFigures> = by
        .into_iter()
        .map(|(unit_id, (unit_name, mut secs, on_time, open, overdue))| {
            secs.sort_unstable();
            let n = secs.len() as u64;
            let sum: i64 = secs.iter().sum();
            UnitFigures {
                unit_id,
                unit_name,
                closed: n,
                closed_on_time: on_time,
                on_time_rate: (n > 0).then(|| on_time as f64 / n as f64),
                average_hours: (n > 0).then(|| hours(sum as f64 / n as f64)),
                median_hours: median(&secs).map(hours),
                open,
                overdue,
            }
        })
        .collect();
    out.sort_by(|a, b| a.unit_name.cmp(&b.unit_name));
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rates_averages_and_medians() {
        let a = UnitId(uuid::Uuid::from_u128(1));
        let c = |secs: i64, on_time: bool| ClosedClock {
            unit_id: a,
            unit_name: "甲".into(),
            worked_secs: secs,
            on_time,
        };
        let closed = [
            c(3600, true),
            c(7200, true),
            c(36000, false),
            c(10800, true),
        ];
        let open = [OpenClocks {
            unit_id: a,
            unit_name: "甲".into(),
            open: 4,
            overdue: 1,
        }];
        let f = &aggregate(&closed, &open)[0];
        assert_eq!(
            (f.closed, f.closed_on_time, f.open, f.overdue),
            (4, 3, 4, 1)
        );
        assert_eq!(f.on_time_rate, Some(0.75));
        assert_eq!(f.average_hours, Some(4.0));
        assert_eq!(f.median_hours, Some(2.5));
    }
}
