//! How lists of orders are ordered and paged: newest first, or by the deadline of the clock
//! that runs now (most urgent first, or last), with a keyset cursor that carries the sort key.

use super::WorkOrder;
use chrono::{DateTime, Utc};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::OrderId;

/// The order of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrderSort {
    /// Newest first (by id, which is time-ordered): the default.
    #[default]
    Newest,
    /// Earliest open deadline first; orders with no open clock follow, newest first.
    Deadline,
    /// Latest open deadline first; orders with no open clock follow, newest first.
    DeadlineDesc,
}

impl OrderSort {
    /// `newest`, `deadline` or `-deadline`, as the `sort` parameter of a list.
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "" | "newest" | "-created" => Ok(Self::Newest),
            "deadline" => Ok(Self::Deadline),
            "-deadline" => Ok(Self::DeadlineDesc),
            other => Err(Error::new(
                codes::REQUEST_INVALID_SORT,
                format!(
                    "未知的排序方式：{other}（可选 newest 最新受理在前、deadline 期限最近在前、-deadline 期限最远在前）"
                ),
            )),
        }
    }

    pub fn by_deadline(self) -> bool {
        self != Self::Newest
    }
}

impl WorkOrder {
    /// The deadline the order works to now: the earliest deadline of its clocks that have not
    /// stopped (running, or paused by a suspension). `None` when no clock is open (not yet
    /// dispatched, waiting for a ruling after a return, or closed). Stored in an indexed
    /// column so that lists sort by it.
    /// The county the order belongs to: the root of its region.
    pub fn county(&self) -> jiceng_kernel::ids::CountyId {
        self.region.unit_path.county()
    }

    pub fn open_deadline(&self) -> Option<DateTime<Utc>> {
        self.clocks
            .iter()
            .filter(|c| c.stopped_at.is_none())
            .map(|c| c.deadline)
            .min()
    }
}

/// Where the next page of a list starts: after this order, which had this sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderCursor {
    pub id: OrderId,
    /// Its open deadline, for lists sorted by deadline (`None`: it had none, so the page
    /// continues among the orders without one).
    pub due: Option<DateTime<Utc>>,
}

impl OrderCursor {
    /// The cursor after `order` in a list sorted by `sort`.
    pub fn after(order: &WorkOrder, sort: OrderSort) -> Self {
        Self {
            id: order.id,
            due: if sort.by_deadline() {
                order.open_deadline()
            } else {
                None
            },
        }
    }

    /// The order's id, preceded by `{microseconds}.` when it carries a deadline.
    pub fn encode(&self) -> String {
        match self.due {
            Some(due) => format!("{}.{}", due.timestamp_micros(), self.id),
            None => self.id.to_string(),
        }
    }

    /// Reads a cursor of a list sorted by `sort`; a cursor with a deadline belongs to a
    /// list sorted by deadline.
    pub fn parse(s: &str, sort: OrderSort) -> Result<Self> {
        let bad = || {
            Error::new(
                codes::REQUEST_INVALID_CURSOR,
                "翻页游标无效：请使用上一页返回的 next，并保持相同的排序方式",
            )
        };
        let (due, id) = match s.split_once('.') {
            Some((micros, id)) if sort.by_deadline() => {
                let micros: i64 = micros.parse().map_err(|_| bad())?;
                (
                    Some(DateTime::from_timestamp_micros(micros).ok_or_else(bad)?),
                    id,
                )
            }
            Some(_) => return Err(bad()),
            None => (None, s),
        };
        Ok(Self {
            id: OrderId::parse(id).ok_or_else(bad)?,
            due,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_cursors_parse_and_round_trip() {
        assert_eq!(OrderSort::parse("deadline").unwrap(), OrderSort::Deadline);
        assert_eq!(
            OrderSort::parse("-deadline").unwrap(),
            OrderSort::DeadlineDesc
        );
        assert_eq!(OrderSort::parse("newest").unwrap(), OrderSort::Newest);
        let e = OrderSort::parse("priority").unwrap_err();
        assert_eq!(e.code, "request.invalid_sort");

        let id = OrderId(uuid::Uuid::now_v7());
        let due = DateTime::from_timestamp_micros(1_795_000_000_123_456);
        let c = OrderCursor { id, due };
        assert_eq!(
            OrderCursor::parse(&c.encode(), OrderSort::Deadline).unwrap(),
            c
        );
        let plain = OrderCursor { id, due: None };
        assert_eq!(
            OrderCursor::parse(&plain.encode(), OrderSort::Newest).unwrap(),
            plain
        );
        for bad in [
            "x",
            "12.x",
            "x.",
            "99999999999999999999.00000000-0000-0000-0000-000000000000",
        ] {
            assert!(
                OrderCursor::parse(bad, OrderSort::Deadline).is_err(),
                "{bad}"
            );
        }
        assert!(
            OrderCursor::parse(&c.encode(), OrderSort::Newest).is_err(),
            "a deadline cursor in a newest-first list"
        );
    }
}
