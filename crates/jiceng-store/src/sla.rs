//! Clock rows, escalation records, the sweeper's due index and the figures' queries.

use crate::org::push_scope;
use crate::pool::{SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_core::error::{Error, Result};
use jiceng_core::ids::{OrderId, UnitId};
use jiceng_core::org::UnitPath;
use jiceng_core::sla::{
    ClockKind, ClosedClock, DueClock, Escalation, EscalationQuery, FiguresQuery, OpenClocks,
    SlaStore, Step,
};
use jiceng_core::work_order::{Assignee, WorkOrder};
use sqlx::QueryBuilder;
use uuid::Uuid;

pub(crate) const UPSERT_CLOCK: &str = "INSERT INTO sla_clocks (order_id, clock, generation, unit_id, unit_name, \
     unit_path, time_limit, started_at, deadline, paused_at, stopped_at, worked_secs, on_time, next_step, next_due) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
     ON CONFLICT (order_id, clock, generation) DO UPDATE SET deadline = excluded.deadline, \
     paused_at = excluded.paused_at, stopped_at = excluded.stopped_at, worked_secs = excluded.worked_secs, \
     on_time = excluded.on_time, next_step = excluded.next_step, next_due = excluded.next_due";

pub(crate) const INSERT_ESCALATION: &str = "INSERT INTO sla_escalations (id, number, order_id, order_number, \
     clock, generation, step, addressee_id, addressee_name, addressee_path, subject_id, subject_name, \
     subject_path, text, issued_at, deadline) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";

/// Whether the clock's row must be written with this version of the order: every clock that
/// still runs or is paused, and one that stopped in this very change. Rows of clocks that
/// stopped earlier are already final.
pub(crate) fn clock_changed(o: &WorkOrder, c: &jiceng_core::sla::SlaClock) -> bool {
    c.stopped_at.is_none_or(|s| s >= o.updated_at)
}

/// Writes the order's clock rows and the change's escalation records inside `$tx`. A second
/// record for the same order, clock generation and step is a version conflict.
macro_rules! write_sla_rows {
    ($tx:expr, $o:expr, $escalations:expr) => {{
        let o: &jiceng_core::work_order::WorkOrder = $o;
        for c in o.clocks.iter().filter(|c| $crate::sla::clock_changed(o, c)) {
            sqlx::query($crate::sla::UPSERT_CLOCK)
                .bind(o.id.0)
                .bind(c.kind.as_str())
                .bind(i64::from(c.generation))
                .bind(c.unit.unit_id.0)
                .bind(&c.unit.unit_name)
                .bind(c.unit.unit_path.as_str())
                .bind(c.limit.to_string())
                .bind(micros(c.started_at))
                .bind(micros(c.deadline))
                .bind(c.paused_at.map(micros))
                .bind(c.stopped_at.map(micros))
                .bind(c.worked_secs)
                .bind(c.on_time())
                .bind(c.next_step.map(jiceng_core::sla::Step::as_str))
                .bind(c.next_due.map(micros))
                .execute(&mut *$tx)
                .await
                .map_err(db_err)?;
        }
        for e in $escalations {
            let e: &jiceng_core::sla::Escalation = e;
            let seq: i64 = sqlx::query_scalar(NEXT_NUMBER)
                .bind(&e.number)
                .fetch_one(&mut *$tx)
                .await
                .map_err(db_err)?;
            sqlx::query($crate::sla::INSERT_ESCALATION)
                .bind(e.id)
                .bind(format!("{}{seq:06}", e.number))
                .bind(e.order_id.0)
                .bind(&e.order_number)
                .bind(e.clock.as_str())
                .bind(i64::from(e.generation))
                .bind(e.step.as_str())
                .bind(e.addressee.unit_id.0)
                .bind(&e.addressee.unit_name)
                .bind(e.addressee.unit_path.as_str())
                .bind(e.subject.unit_id.0)
                .bind(&e.subject.unit_name)
                .bind(e.subject.unit_path.as_str())
                .bind(&e.text)
                .bind(micros(e.issued_at))
                .bind(micros(e.deadline))
                .execute(&mut *$tx)
                .await
                .map_err(|err| {
                    if is_version_clash(&err) {
                        version_conflict()
                    } else {
                        db_err(err)
                    }
                })?;
        }
    }};
}

fn corrupt() -> Error {
    Error::internal("数据库中的督办记录无法识别")
}

#[derive(sqlx::FromRow)]
struct EscalationRow {
    id: Uuid,
    number: String,
    order_id: Uuid,
    order_number: String,
    clock: String,
    generation: i64,
    step: String,
    addressee_id: Uuid,
    addressee_name: String,
    addressee_path: String,
    subject_id: Uuid,
    subject_name: String,
    subject_path: String,
    text: String,
    issued_at: i64,
    deadline: i64,
}

impl EscalationRow {
    fn into_record(self) -> Result<Escalation> {
        let unit = |id, name, path| Assignee {
            unit_id: UnitId(id),
            unit_name: name,
            unit_path: UnitPath::from_stored(path),
        };
        Ok(Escalation {
            id: self.id,
            number: self.number,
            order_id: OrderId(self.order_id),
            order_number: self.order_number,
            clock: ClockKind::parse(&self.clock).ok_or_else(corrupt)?,
            generation: u32::try_from(self.generation).map_err(|_| corrupt())?,
            step: Step::parse(&self.step).ok_or_else(corrupt)?,
            addressee: unit(self.addressee_id, self.addressee_name, self.addressee_path),
            subject: unit(self.subject_id, self.subject_name, self.subject_path),
            text: self.text,
            issued_at: from_micros(self.issued_at),
            deadline: from_micros(self.deadline),
        })
    }
}

const ESCALATION_COLUMNS: &str = "id, number, order_id, order_number, clock, generation, step, \
     addressee_id, addressee_name, addressee_path, subject_id, subject_name, subject_path, text, \
     issued_at, deadline";

#[async_trait]
impl SlaStore for SqlStore {
    #[tracing::instrument(name = "store.sla.due_clocks", skip_all)]
    async fn due_clocks(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<DueClock>> {
        let rows: Vec<(Uuid, String, i64)> = on_read!(self, |p| sqlx::query_as(
            "SELECT order_id, clock, next_due FROM sla_clocks WHERE next_due <= $1 \
             ORDER BY next_due LIMIT $2"
        )
        .bind(micros(now))
        .bind(i64::from(limit))
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(id, clock, due)| {
                Ok(DueClock {
                    order_id: OrderId(id),
                    clock: ClockKind::parse(&clock).ok_or_else(corrupt)?,
                    due: from_micros(due),
                })
            })
            .collect()
    }

    #[tracing::instrument(name = "store.sla.next_clock_due", skip_all)]
    async fn next_clock_due(&self) -> Result<Option<DateTime<Utc>>> {
        let v: Option<i64> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT MIN(next_due) FROM sla_clocks"
        )
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        Ok(v.map(from_micros))
    }

    #[tracing::instrument(name = "store.sla.list_escalations", skip_all)]
    async fn list_escalations(&self, q: &EscalationQuery) -> Result<Vec<Escalation>> {
        let before = match q.before {
            Some(id) => on_read!(self, |p| sqlx::query_scalar::<_, i64>(
                "SELECT issued_at FROM sla_escalations WHERE id = $1"
            )
            .bind(id)
            .fetch_optional(p)
            .await)
            .map_err(db_err)?
            .map(|at| (at, id)),
            None => None,
        };
        let rows: Vec<EscalationRow> = on_read!(self, |p| {
            let mut qb = QueryBuilder::new(format!(
                "SELECT {ESCALATION_COLUMNS} FROM sla_escalations WHERE ((1 = 1"
            ));
            push_scope(&mut qb, "addressee_path", &q.scope);
            qb.push(") OR (1 = 1");
            push_scope(&mut qb, "subject_path", &q.scope);
            qb.push("))");
            if let Some(s) = q.step {
                qb.push(" AND step = ").push_bind(s.as_str());
            }
            if let Some(o) = q.order {
                qb.push(" AND order_id = ").push_bind(o.0);
            }
            if let Some((at, id)) = before {
                qb.push(" AND (issued_at < ").push_bind(at);
                qb.push(" OR (issued_at = ").push_bind(at);
                qb.push(" AND id < ").push_bind(id).push("))");
            }
            qb.push(" ORDER BY issued_at DESC, id DESC LIMIT ")
                .push_bind(i64::from(q.limit));
            qb.build_query_as().fetch_all(p).await
        })
        .map_err(db_err)?;
        rows.into_iter().map(EscalationRow::into_record).collect()
    }

    #[tracing::instrument(name = "store.sla.closed_clocks", skip_all)]
    async fn closed_clocks(&self, q: &FiguresQuery) -> Result<Vec<ClosedClock>> {
        let (lo, hi) = q.scope.subtree_range();
        let rows: Vec<(Uuid, String, Option<i64>, Option<bool>)> =
            on_read!(self, |p| sqlx::query_as(
                "SELECT unit_id, unit_name, worked_secs, on_time FROM sla_clocks \
             WHERE clock = $1 AND unit_path >= $2 AND unit_path < $3 \
             AND stopped_at >= $4 AND stopped_at < $5"
            )
            .bind(q.kind.as_str())
            .bind(lo)
            .bind(hi)
            .bind(micros(q.from))
            .bind(micros(q.to))
            .fetch_all(p)
            .await)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, worked, on_time)| ClosedClock {
                unit_id: UnitId(id),
                unit_name: name,
                worked_secs: worked.unwrap_or(0),
                on_time: on_time.unwrap_or(false),
            })
            .collect())
    }

    #[tracing::instrument(name = "store.sla.open_clocks", skip_all)]
    async fn open_clocks(&self, q: &FiguresQuery, now: DateTime<Utc>) -> Result<Vec<OpenClocks>> {
        let (lo, hi) = q.scope.subtree_range();
        let rows: Vec<(Uuid, String, i64, i64)> = on_read!(self, |p| sqlx::query_as(
            "SELECT unit_id, MIN(unit_name), COUNT(*), \
             SUM(CASE WHEN deadline < $4 AND (paused_at IS NULL OR paused_at > deadline) THEN 1 ELSE 0 END) \
             FROM sla_clocks WHERE clock = $1 AND unit_path >= $2 AND unit_path < $3 \
             AND stopped_at IS NULL GROUP BY unit_id"
        )
        .bind(q.kind.as_str())
        .bind(lo)
        .bind(hi)
        .bind(micros(now))
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, open, overdue)| OpenClocks {
                unit_id: UnitId(id),
                unit_name: name,
                open: open.max(0) as u64,
                overdue: overdue.max(0) as u64,
            })
            .collect())
    }
}
