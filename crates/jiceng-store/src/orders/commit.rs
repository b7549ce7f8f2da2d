//! The one write of a use case: its effects in one transaction, on either backend.
//!
//! In order: the idempotency key is looked up (a replay writes nothing); the subjects are
//! numbered and written with their history; then the clock rows, escalation records,
//! sketches, outbox rows, category corrections, redactions and the key; the audit records
//! last. Any failure rolls all of it back.

use crate::orders::work_order::is_version_clash;
use crate::orders::work_order::write::{
    INSERT_KEY, NEXT_NUMBER, SELECT_DOC, SELECT_KEY, replayed_order,
};
use crate::pool::{SqlStore, db_err};
use crate::rows::micros;
use async_trait::async_trait;
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::CountyId;
use jiceng_kernel::subject::Subject;
use jiceng_orders::effects::{
    AuditItem, Committed, Effects, Idempotency, Numbered, SketchWrite, SubjectWrite, Write,
};
use jiceng_orders::ports::CommitStore;
use jiceng_orders::use_cases::order_not_found;
use jiceng_orders::work_order::WorkOrder;
use jiceng_orders::work_order::audit_records as records;
use sqlx::types::Json;
use uuid::Uuid;

/// Effects that cannot be written as they are: a fault of the use case that built them.
fn malformed(what: &str) -> Error {
    Error::internal(format!("写入内容不完整：{what}"))
}

/// The new order an idempotency key names: the one new work order of the effects.
fn keyed_order(effects: &Effects) -> Result<Option<(&Idempotency, &WorkOrder)>> {
    let Some(k) = &effects.idempotency else {
        return Ok(None);
    };
    let mut new = effects.subjects.iter().filter_map(|s| match s {
        SubjectWrite::WorkOrder(w) if matches!(w.write, Write::New { .. }) => Some(&w.order),
        SubjectWrite::WorkOrder(_) => None,
    });
    match (new.next(), new.next()) {
        (Some(o), None) => Ok(Some((k, o))),
        _ => Err(malformed("幂等键须对应一张新工单")),
    }
}

/// The order `id` as a commit changes it: a redaction is written with the order's new document.
fn changed_order(effects: &Effects, id: jiceng_kernel::ids::OrderId) -> Result<&WorkOrder> {
    effects
        .subjects
        .iter()
        .map(|s| match s {
            SubjectWrite::WorkOrder(w) => &w.order,
        })
        .find(|o| o.id == id)
        .ok_or_else(|| malformed("删除记录所指的工单不在本次写入中"))
}

/// The county of an order the effects change or create (notices and dropped sketches name
/// only their order).
fn order_county(effects: &Effects, id: jiceng_kernel::ids::OrderId) -> Result<CountyId> {
    effects
        .subjects
        .iter()
        .map(|s| match s {
            SubjectWrite::WorkOrder(w) => &w.order,
        })
        .find(|o| o.id == id)
        .map(|o| o.region.unit_path.county())
        .ok_or_else(|| malformed("通知或更正所指的工单不在本次写入中"))
}

/// The audit records of the effects, with the steps of new orders built from the orders as
/// numbered in the transaction.
fn audit_records(effects: &Effects, numbered: &[WorkOrder]) -> Result<Vec<AuditRecord>> {
    effects
        .audit
        .iter()
        .map(|item| match item {
            AuditItem::Record(r) => Ok(r.clone()),
            AuditItem::NewOrderStep { order, seq } => {
                let o = numbered
                    .iter()
                    .find(|o| o.id == *order)
                    .ok_or_else(|| malformed("审计记录所指的新工单不在本次写入中"))?;
                let entry = effects
                    .subjects
                    .iter()
                    .flat_map(|s| match s {
                        SubjectWrite::WorkOrder(w) if w.order.id == *order => w.history.as_slice(),
                        SubjectWrite::WorkOrder(_) => &[],
                    })
                    .find(|e| e.seq == *seq)
                    .ok_or_else(|| malformed("审计记录所指的办理记录不在本次写入中"))?;
                Ok(records::order_step(o, entry))
            }
        })
        .collect()
}

/// The order the idempotency key `$k` created in county `$county`, read through `$exec` (a
/// pool or a transaction): `None` for a key not used yet; `idempotency.key_reused` for a key
/// used with another request.
macro_rules! stored_replay {
    ($exec:expr, $county:expr, $k:expr) => {{
        let k: &Idempotency = $k;
        let county: CountyId = $county;
        let found: Option<(Uuid, Option<String>)> = sqlx::query_as(SELECT_KEY)
            .bind(k.user.0)
            .bind(&k.key)
            .bind(county.0)
            .fetch_optional($exec)
            .await
            .map_err(db_err)?;
        match found {
            None => None,
            Some(found) => {
                let id = replayed_order(found, k)?;
                let doc: Option<Json<WorkOrder>> = sqlx::query_scalar(SELECT_DOC)
                    .bind(county.0)
                    .bind(id)
                    .fetch_optional($exec)
                    .await
                    .map_err(db_err)?;
                Some(doc.ok_or_else(order_not_found)?.0)
            }
        }
    }};
}

#[async_trait]
impl CommitStore for SqlStore {
    #[tracing::instrument(name = "store.commit", skip_all, fields(subjects = effects.subjects.len()))]
    async fn commit(&self, effects: &Effects) -> Result<Committed> {
        let keyed = keyed_order(effects)?;
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            if let Some((k, o)) = keyed
                && let Some(order) = stored_replay!(&mut *tx, o.region.unit_path.county(), k)
            {
                return Ok(Committed::Replayed { order });
            }
            let mut numbered: Vec<WorkOrder> = Vec::new();
            for s in &effects.subjects {
                match s {
                    SubjectWrite::WorkOrder(w) => match &w.write {
                        Write::New { number_prefix } => {
                            let seq: i64 = sqlx::query_scalar(NEXT_NUMBER)
                                .bind(w.order.region.unit_path.county().0)
                                .bind(number_prefix)
                                .fetch_one(&mut *tx)
                                .await
                                .map_err(db_err)?;
                            let mut o = w.order.clone();
                            o.number = format!("{number_prefix}{seq:06}");
                            insert_order!(tx, &o);
                            write_order_rows!(tx, &o, &w.history);
                            numbered.push(o);
                        }
                        Write::Change { expected_version } => {
                            update_order!(tx, &w.order, *expected_version);
                            write_order_rows!(tx, &w.order, &w.history);
                        }
                    },
                }
            }
            for c in &effects.clocks {
                write_clock!(tx, c);
            }
            write_escalations!(tx, &effects.escalations);
            for s in &effects.sketches {
                match s {
                    SketchWrite::Put(s) => write_sketch!(tx, s),
                    SketchWrite::Drop(id) => drop_sketch!(tx, order_county(effects, *id)?, *id),
                }
            }
            for n in &effects.notices {
                write_notice!(tx, order_county(effects, n.order_id)?, n, effects.at);
            }
            for c in &effects.corrections {
                write_correction!(tx, c.county, c);
            }
            for r in &effects.redactions {
                let o = changed_order(effects, r.record.order)?;
                write_redaction!(tx, r, o);
            }
            if let Some((k, order)) = keyed {
                let r = sqlx::query(INSERT_KEY)
                    .bind(k.user.0)
                    .bind(&k.key)
                    .bind(order.id.0)
                    .bind(micros(order.created_at))
                    .bind(&k.request_hash)
                    .bind(order.region.unit_path.county().0)
                    .execute(&mut *tx)
                    .await;
                if let Err(e) = r {
                    if !is_version_clash(&e) {
                        return Err(db_err(e));
                    }
                    // A concurrent request with the same key won the race: answer with its order.
                    drop(tx);
                    let order = stored_replay!(p, order.region.unit_path.county(), k)
                        .ok_or_else(order_not_found)?;
                    return Ok(Committed::Replayed { order });
                }
            }
            let audit = audit_records(effects, &numbered)?;
            append_audit!(self, tx, &audit);
            tx.commit().await.map_err(db_err)?;
            Ok(if numbered.is_empty() {
                Committed::Applied
            } else {
                Committed::Created {
                    numbers: numbered
                        .into_iter()
                        .map(|o| Numbered {
                            subject: Subject::work_order(o.id),
                            number: o.number,
                        })
                        .collect(),
                }
            })
        })
    }
}
