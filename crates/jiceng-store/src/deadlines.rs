//! Clock rows, escalation records, the sweeper's due index and the figures' queries.

use crate::accounts::org::push_scope;
use crate::pool::{SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_deadlines::{
    ClockKind, ClosedClock, DueClock, Escalation, EscalationQuery, FiguresQuery, OpenClocks,
    SlaStore, StandaloneClock, Step,
};
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{CountyId, UnitId};
use jiceng_kernel::org::Assignee;
use jiceng_kernel::org::UnitPath;
use jiceng_kernel::subject::{Subject, SubjectKind};
use sqlx::types::Json;
use sqlx::{Database, QueryBuilder};
use uuid::Uuid;

pub(crate) const UPSERT_CLOCK: &str = "INSERT INTO sla_clocks (subject_kind, subject_id, clock, generation, \
     unit_id, unit_name, unit_path, time_limit, started_at, deadline, paused_at, stopped_at, worked_secs, \
     on_time, next_step, next_due, state, county_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
     ON CONFLICT (county_id, subject_kind, subject_id, clock, generation) DO UPDATE SET deadline = excluded.deadline, \
     paused_at = excluded.paused_at, stopped_at = excluded.stopped_at, worked_secs = excluded.worked_secs, \
     on_time = excluded.on_time, next_step = excluded.next_step, next_due = excluded.next_due, \
     state = excluded.state";

pub(crate) const INSERT_ESCALATION: &str = "INSERT INTO sla_escalations (id, number, subject_kind, subject_id, \
     subject_number, clock, generation, step, addressee_id, addressee_name, addressee_path, unit_id, unit_name, \
     unit_path, text, issued_at, deadline, county_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";

/// Binds one clock's row to [`UPSERT_CLOCK`]; `state` is the whole clock of a subject that
/// has no document of its own.
macro_rules! upsert_clock {
    ($subject:expr, $c:expr, $state:expr) => {{
        let s: &jiceng_kernel::subject::Subject = $subject;
        let c: &jiceng_deadlines::SlaClock = $c;
        sqlx::query($crate::deadlines::UPSERT_CLOCK)
            .bind(s.kind.as_str().to_owned())
            .bind(s.id)
            .bind(c.kind.as_str())
            .bind(i64::from(c.generation))
            .bind(c.unit.unit_id.0)
            .bind(c.unit.unit_name.clone())
            .bind(c.unit.unit_path.as_str().to_owned())
            .bind(c.limit.to_string())
            .bind($crate::rows::micros(c.started_at))
            .bind($crate::rows::micros(c.deadline))
            .bind(c.paused_at.map($crate::rows::micros))
            .bind(c.stopped_at.map($crate::rows::micros))
            .bind(c.worked_secs)
            .bind(c.on_time())
            .bind(c.next_step.map(jiceng_deadlines::Step::as_str))
            .bind(c.next_due.map($crate::rows::micros))
            .bind($state)
            .bind(c.unit.unit_path.county().0)
    }};
}

/// Writes escalation records inside `$tx`, numbering them by step and day. A second record
/// for the same subject, clock generation and step is a version conflict.
macro_rules! write_escalations {
    ($tx:expr, $escalations:expr) => {{
        for e in $escalations {
            let e: &jiceng_deadlines::Escalation = e;
            let county = e.unit.unit_path.county();
            let seq: i64 = sqlx::query_scalar($crate::orders::work_order::write::NEXT_NUMBER)
                .bind(county.0)
                .bind(&e.number)
                .fetch_one(&mut *$tx)
                .await
                .map_err($crate::pool::db_err)?;
            sqlx::query($crate::deadlines::INSERT_ESCALATION)
                .bind(e.id)
                .bind(format!("{}{seq:06}", e.number))
                .bind(e.subject.kind.as_str())
                .bind(e.subject.id)
                .bind(&e.reference)
                .bind(e.clock.as_str())
                .bind(i64::from(e.generation))
                .bind(e.step.as_str())
                .bind(e.addressee.unit_id.0)
                .bind(&e.addressee.unit_name)
                .bind(e.addressee.unit_path.as_str())
                .bind(e.unit.unit_id.0)
                .bind(&e.unit.unit_name)
                .bind(e.unit.unit_path.as_str())
                .bind(&e.text)
                .bind($crate::rows::micros(e.issued_at))
                .bind($crate::rows::micros(e.deadline))
                .bind(county.0)
                .execute(&mut *$tx)
                .await
                .map_err(|err| {
                    if $crate::orders::work_order::is_version_clash(&err) {
                        jiceng_orders::use_cases::version_conflict()
                    } else {
                        $crate::pool::db_err(err)
                    }
                })?;
        }
    }};
}

/// Moves a standalone clock past a fired step, if its row still waits for that step in the
/// same generation.
pub(crate) const ADVANCE_STANDALONE: &str = "UPDATE sla_clocks SET next_step = $1, next_due = $2, state = $3 \
     WHERE county_id = $9 AND subject_kind = $4 AND subject_id = $5 AND clock = $6 AND generation = $7 \
     AND next_step = $8";

/// Writes one clock row (a [`jiceng_deadlines::ClockWrite`]) inside `$tx`. A fired step
/// of a standalone clock whose row no longer waits for it is a version conflict.
macro_rules! write_clock {
    ($tx:expr, $w:expr) => {{
        use jiceng_deadlines::ClockWrite;
        match $w {
            ClockWrite::Copy { subject, clock } => {
                upsert_clock!(subject, clock, None::<sqlx::types::Json<()>>)
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::pool::db_err)?;
            }
            ClockWrite::Standalone {
                clock: c,
                awaiting: None,
            } => {
                upsert_clock!(&c.subject, &c.clock, Some(sqlx::types::Json(c)))
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::pool::db_err)?;
            }
            ClockWrite::Standalone {
                clock: c,
                awaiting: Some(step),
            } => {
                let r = sqlx::query($crate::deadlines::ADVANCE_STANDALONE)
                    .bind(c.clock.next_step.map(jiceng_deadlines::Step::as_str))
                    .bind(c.clock.next_due.map($crate::rows::micros))
                    .bind(sqlx::types::Json(c))
                    .bind(c.subject.kind.as_str())
                    .bind(c.subject.id)
                    .bind(c.clock.kind.as_str())
                    .bind(i64::from(c.clock.generation))
                    .bind(step.as_str())
                    .bind(c.clock.unit.unit_path.county().0)
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::pool::db_err)?;
                if r.rows_affected() != 1 {
                    return Err(jiceng_orders::use_cases::version_conflict());
                }
            }
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
    subject_kind: String,
    subject_id: Uuid,
    subject_number: String,
    clock: String,
    generation: i64,
    step: String,
    addressee_id: Uuid,
    addressee_name: String,
    addressee_path: String,
    unit_id: Uuid,
    unit_name: String,
    unit_path: String,
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
            subject: Subject::new(
                SubjectKind::parse(&self.subject_kind).ok_or_else(corrupt)?,
                self.subject_id,
            ),
            reference: self.subject_number,
            clock: ClockKind::parse(&self.clock).ok_or_else(corrupt)?,
            generation: u32::try_from(self.generation).map_err(|_| corrupt())?,
            step: Step::parse(&self.step).ok_or_else(corrupt)?,
            addressee: unit(self.addressee_id, self.addressee_name, self.addressee_path),
            unit: unit(self.unit_id, self.unit_name, self.unit_path),
            text: self.text,
            issued_at: from_micros(self.issued_at),
            deadline: from_micros(self.deadline),
        })
    }
}

const ESCALATION_COLUMNS: &str = "id, number, subject_kind, subject_id, subject_number, clock, \
     generation, step, addressee_id, addressee_name, addressee_path, unit_id, unit_name, unit_path, \
     text, issued_at, deadline";

/// ` AND subject_kind IN (…)`: the kinds the sweep has a handler for.
fn push_kinds<DB: Database>(qb: &mut QueryBuilder<DB>, kinds: &[SubjectKind])
where
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    qb.push(" AND subject_kind IN (");
    let mut list = qb.separated(", ");
    for k in kinds {
        list.push_bind(k.as_str().to_owned());
    }
    qb.push(")");
}

#[async_trait]
impl SlaStore for SqlStore {
    async fn due_clocks(
        &self,
        county: CountyId,
        now: DateTime<Utc>,
        limit: u32,
        kinds: &[SubjectKind],
    ) -> Result<Vec<DueClock>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, Uuid, String, i64)> = on_read!(self, |p| {
            let mut qb = QueryBuilder::new(
                "SELECT subject_kind, subject_id, clock, next_due FROM sla_clocks WHERE county_id = ",
            );
            qb.push_bind(county.0).push(" AND next_due <= ");
            qb.push_bind(micros(now));
            push_kinds(&mut qb, kinds);
            qb.push(" ORDER BY next_due LIMIT ")
                .push_bind(i64::from(limit));
            qb.build_query_as().fetch_all(p).await
        })
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(kind, id, clock, due)| {
                Ok(DueClock {
                    county,
                    subject: Subject::new(SubjectKind::parse(&kind).ok_or_else(corrupt)?, id),
                    clock: ClockKind::parse(&clock).ok_or_else(corrupt)?,
                    due: from_micros(due),
                })
            })
            .collect()
    }

    async fn next_clock_due(
        &self,
        county: CountyId,
        kinds: &[SubjectKind],
    ) -> Result<Option<DateTime<Utc>>> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let v: Option<i64> = on_read!(self, |p| {
            let mut qb =
                QueryBuilder::new("SELECT MIN(next_due) FROM sla_clocks WHERE county_id = ");
            qb.push_bind(county.0);
            push_kinds(&mut qb, kinds);
            qb.build_query_scalar().fetch_one(p).await
        })
        .map_err(db_err)?;
        Ok(v.map(from_micros))
    }

    #[tracing::instrument(name = "store.sla.list_escalations", skip_all)]
    async fn list_escalations(&self, q: &EscalationQuery) -> Result<Vec<Escalation>> {
        let counties = crate::rows::counties_of(&q.scope);
        if counties.is_empty() {
            return Ok(Vec::new());
        }
        let before = match q.before {
            Some(id) => on_read!(self, |p| {
                let mut qb = QueryBuilder::new("SELECT issued_at FROM sla_escalations WHERE id = ");
                qb.push_bind(id);
                crate::rows::push_counties(&mut qb, "county_id", &counties);
                qb.build_query_scalar::<i64>().fetch_optional(p).await
            })
            .map_err(db_err)?
            .map(|at| (at, id)),
            None => None,
        };
        let rows: Vec<EscalationRow> = on_read!(self, |p| {
            let mut qb = QueryBuilder::new(format!(
                "SELECT {ESCALATION_COLUMNS} FROM sla_escalations WHERE 1 = 1"
            ));
            crate::rows::push_counties(&mut qb, "county_id", &counties);
            qb.push(" AND ((1 = 1");
            push_scope(&mut qb, "addressee_path", &q.scope);
            qb.push(") OR (1 = 1");
            push_scope(&mut qb, "unit_path", &q.scope);
            qb.push("))");
            if let Some(s) = q.step {
                qb.push(" AND step = ").push_bind(s.as_str());
            }
            if let Some(s) = &q.subject {
                qb.push(" AND subject_kind = ")
                    .push_bind(s.kind.as_str().to_owned());
                qb.push(" AND subject_id = ").push_bind(s.id);
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
             WHERE county_id = $6 AND clock = $1 AND unit_path >= $2 AND unit_path < $3 \
             AND stopped_at >= $4 AND stopped_at < $5"
            )
            .bind(q.kind.as_str())
            .bind(lo)
            .bind(hi)
            .bind(micros(q.from))
            .bind(micros(q.to))
            .bind(q.scope.county().0)
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
             FROM sla_clocks WHERE county_id = $5 AND clock = $1 AND unit_path >= $2 AND unit_path < $3 \
             AND stopped_at IS NULL GROUP BY unit_id"
        )
        .bind(q.kind.as_str())
        .bind(lo)
        .bind(hi)
        .bind(micros(now))
        .bind(q.scope.county().0)
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

    async fn standalone_clock(
        &self,
        county: CountyId,
        subject: &Subject,
        kind: ClockKind,
    ) -> Result<Option<StandaloneClock>> {
        let state: Option<Option<Json<StandaloneClock>>> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT state FROM sla_clocks WHERE county_id = $4 AND subject_kind = $1 AND subject_id = $2 \
             AND clock = $3 ORDER BY generation DESC LIMIT 1"
        )
        .bind(subject.kind.as_str())
        .bind(subject.id)
        .bind(kind.as_str())
        .bind(county.0)
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        match state {
            None => Ok(None),
            Some(Some(Json(c))) if c.subject == *subject && c.clock.kind == kind => Ok(Some(c)),
            // A row written from a document (a work order's) is not a standalone clock.
            Some(_) => Err(corrupt()),
        }
    }
}
