//! The list queries of work orders: filters, and the keyset ranges of each sort order.

use crate::accounts::org::push_scope;
use crate::rows::micros;
use jiceng_orders::ports::OrderQuery;
use jiceng_orders::work_order::{OrderCursor, OrderSort};
use sqlx::{Database, QueryBuilder};
use uuid::Uuid;

pub(super) fn range_or<DB: Database>(
    qb: &mut QueryBuilder<DB>,
    column: &str,
    scope: &[jiceng_kernel::org::UnitPath],
) where
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    // push_scope writes " AND (...)"; here the caller already opened a group, so use "1 = 1".
    qb.push("(1 = 1");
    push_scope(qb, column, scope);
    qb.push(")");
}

/// One range of a list read by one query, in the list's order. A list sorted by deadline is
/// the orders with an open deadline, in keyset order over the index on `(due_at, id)`, then
/// those without one, newest first (the same index's NULL range).
#[derive(Debug, Clone, Copy)]
pub(super) enum ListPart {
    Newest {
        before: Option<Uuid>,
    },
    Deadline {
        desc: bool,
        after: Option<(i64, Uuid)>,
    },
    NoDeadline {
        before: Option<Uuid>,
    },
}

pub(super) fn list_parts(q: &OrderQuery) -> Vec<ListPart> {
    let desc = match q.sort {
        OrderSort::Newest => {
            return vec![ListPart::Newest {
                before: q.cursor.map(|c| c.id.0),
            }];
        }
        OrderSort::Deadline => false,
        OrderSort::DeadlineDesc => true,
    };
    match q.cursor {
        // The previous page ended among the orders without a deadline.
        Some(OrderCursor { id, due: None }) => vec![ListPart::NoDeadline { before: Some(id.0) }],
        c => vec![
            ListPart::Deadline {
                desc,
                after: c.and_then(|c| c.due.map(|d| (micros(d), c.id.0))),
            },
            ListPart::NoDeadline { before: None },
        ],
    }
}

/// The counties a list reads: those named and those of its scope's units.
pub(super) fn query_counties(q: &OrderQuery) -> Vec<jiceng_kernel::ids::CountyId> {
    let mut out = q.counties.clone();
    for c in crate::rows::counties_of(&q.scope) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

pub(super) use crate::rows::push_counties;

/// Appends the query's filters (scope, statuses, units, dates, text) as ` AND ...` clauses.
macro_rules! push_order_filters {
    ($qb:expr, $q:expr) => {{
        let qb = &mut $qb;
        let q: &OrderQuery = $q;
            if !q.scope.is_empty() {
                qb.push(" AND (");
                $crate::orders::work_order::list::range_or(qb, "o.region_path", &q.scope);
                qb.push(" OR ");
                $crate::orders::work_order::list::range_or(qb, "o.lead_path", &q.scope);
                qb.push(" OR EXISTS (SELECT 1 FROM work_order_co_units c WHERE c.county_id = o.county_id AND c.order_id = o.id AND ");
                $crate::orders::work_order::list::range_or(qb, "c.unit_path", &q.scope);
                qb.push("))");
            }
            if let Some(u) = q.created_by {
                qb.push(" AND o.created_by = ").push_bind(u.0);
            }
            if let Some(s) = &q.lead_scope {
                qb.push(" AND o.lead_path IS NOT NULL AND ");
                $crate::orders::work_order::list::range_or(qb, "o.lead_path", s);
            }
            if let Some(s) = &q.to_sign_scope {
                qb.push(" AND ((o.status = 'dispatched' AND o.lead_path IS NOT NULL AND ");
                $crate::orders::work_order::list::range_or(qb, "o.lead_path", s);
                qb.push(") OR (o.status IN ('dispatched', 'handling', 'suspended') AND EXISTS (SELECT 1 FROM work_order_co_units c WHERE c.county_id = o.county_id AND c.order_id = o.id AND c.accepted = FALSE AND ");
                $crate::orders::work_order::list::range_or(qb, "c.unit_path", s);
                qb.push(")))");
            }
            if !q.statuses.is_empty() {
                qb.push(" AND o.status IN (");
                let mut sep = qb.separated(", ");
                for s in &q.statuses {
                    sep.push_bind(s.as_str());
                }
                qb.push(")");
            }
            if let Some(u) = q.lead_unit {
                qb.push(" AND o.lead_unit_id = ").push_bind(u.0);
            }
            if let Some(c) = &q.category {
                qb.push(" AND o.category = ").push_bind(c.clone());
            }
            if let Some(c) = q.channel {
                qb.push(" AND o.channel = ").push_bind(c.as_str());
            }
            if let Some(t) = q.created_from {
                qb.push(" AND o.created_at >= ").push_bind($crate::rows::micros(t));
            }
            if let Some(t) = q.created_to {
                qb.push(" AND o.created_at < ").push_bind($crate::rows::micros(t));
            }
            if let Some(t) = q.overdue_at {
                qb.push(" AND o.handling_due < ").push_bind($crate::rows::micros(t));
                qb.push(" AND o.status IN ('dispatched', 'handling', 'suspended', 'pending_review')");
            }
            if q.pending_extension {
                qb.push(" AND o.pending_extension = TRUE");
            }
            if let Some(t) = &q.text {
                let pat = $crate::rows::contains_pattern(t);
                qb.push(" AND (o.title LIKE ").push_bind(pat.clone()).push(" ESCAPE '\\'");
                qb.push(" OR o.content LIKE ").push_bind(pat.clone()).push(" ESCAPE '\\'");
                qb.push(" OR o.number = ").push_bind(t.clone()).push(")");
            }
    }};
}
