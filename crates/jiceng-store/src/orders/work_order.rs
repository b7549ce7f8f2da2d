use crate::accounts::org::push_scope;
use crate::pool::{SqlStore, db_err};
use crate::rows::{contains_pattern, from_micros, micros};
use async_trait::async_trait;
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_orders::ports::{IdempotencyKey, Inserted, OrderChange, OrderQuery, WorkOrderStore};
use jiceng_orders::use_cases::version_conflict;
use jiceng_orders::work_order::audit_records as records;
use jiceng_orders::work_order::{HistoryEntry, Notice, OrderCursor, OrderSort, Status, WorkOrder};
use sqlx::types::Json;
use sqlx::{Database, QueryBuilder};
use uuid::Uuid;

const INSERT_ORDER: &str = "INSERT INTO work_orders (id, number, status, channel, category, urgency, title, content, \
     caller_phone, region_unit_id, region_path, lead_unit_id, lead_path, handling_due, pending_extension, \
     created_by, created_at, updated_at, version, doc, due_at, tracking_hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)";

const SELECT_KEY: &str =
    "SELECT order_id, request_hash FROM idempotency_keys WHERE user_id = $1 AND key = $2";

/// The answer to a key used before: its order when the request is the same (or the key was
/// stored before requests were fingerprinted), else a refusal.
fn replay(found: (Uuid, Option<String>), k: IdempotencyKey<'_>) -> Result<Inserted> {
    match found.1 {
        Some(h) if h != k.request_hash => Err(Error::new(
            codes::IDEMPOTENCY_KEY_REUSED,
            "此 Idempotency-Key 已用于另一份不同的受理内容；新的诉求请换用新的 Key",
        )),
        _ => Ok(Inserted::Replayed(OrderId(found.0))),
    }
}

const UPDATE_ORDER: &str = "UPDATE work_orders SET status = $1, category = $2, urgency = $3, lead_unit_id = $4, \
     lead_path = $5, handling_due = $6, pending_extension = $7, updated_at = $8, version = $9, doc = $10, \
     due_at = $13 WHERE id = $11 AND version = $12";

const INSERT_HISTORY: &str = "INSERT INTO work_order_history \
     (order_id, seq, at, actor_id, actor_name, action, from_status, to_status, payload) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const INSERT_CO_UNIT: &str = "INSERT INTO work_order_co_units (order_id, unit_id, unit_path, accepted, replied) VALUES ($1, $2, $3, $4, $5)";

const NEXT_NUMBER: &str = "INSERT INTO order_counters (day, value) VALUES ($1, 1) \
     ON CONFLICT (day) DO UPDATE SET value = order_counters.value + 1 RETURNING value";

#[derive(sqlx::FromRow)]
struct HistoryRow {
    seq: i64,
    at: i64,
    actor_id: Uuid,
    actor_name: String,
    action: String,
    from_status: Option<String>,
    to_status: String,
    payload: Json<serde_json::Value>,
}

fn corrupt() -> Error {
    Error::internal("数据库中的工单记录无法识别")
}

impl HistoryRow {
    fn into_entry(self) -> Result<HistoryEntry> {
        Ok(HistoryEntry {
            seq: u32::try_from(self.seq).map_err(|_| corrupt())?,
            at: from_micros(self.at),
            actor: UserId(self.actor_id),
            actor_name: self.actor_name,
            action: self.action,
            from_status: match self.from_status {
                Some(s) => Some(Status::parse(&s).ok_or_else(corrupt)?),
                None => None,
            },
            to_status: Status::parse(&self.to_status).ok_or_else(corrupt)?,
            payload: self.payload.0,
        })
    }
}

fn range_or<DB: Database>(
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

pub(crate) fn is_version_clash(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

macro_rules! write_order_rows {
    ($tx:expr, $o:expr, $e:expr) => {{
        let o: &WorkOrder = $o;
        let e: &HistoryEntry = $e;
        sqlx::query(INSERT_HISTORY)
            .bind(o.id.0)
            .bind(i64::from(e.seq))
            .bind(micros(e.at))
            .bind(e.actor.0)
            .bind(&e.actor_name)
            .bind(&e.action)
            .bind(e.from_status.map(Status::as_str))
            .bind(e.to_status.as_str())
            .bind(Json(&e.payload))
            .execute(&mut *$tx)
            .await
            .map_err(|err| {
                if is_version_clash(&err) {
                    version_conflict()
                } else {
                    db_err(err)
                }
            })?;
        sqlx::query("DELETE FROM work_order_co_units WHERE order_id = $1")
            .bind(o.id.0)
            .execute(&mut *$tx)
            .await
            .map_err(db_err)?;
        for c in &o.co_units {
            sqlx::query(INSERT_CO_UNIT)
                .bind(o.id.0)
                .bind(c.unit.unit_id.0)
                .bind(c.unit.unit_path.as_str())
                .bind(c.accepted)
                .bind(c.reply.is_some())
                .execute(&mut *$tx)
                .await
                .map_err(db_err)?;
        }
    }};
}

/// One range of a list read by one query, in the list's order. A list sorted by deadline is
/// the orders with an open deadline, in keyset order over the index on `(due_at, id)`, then
/// those without one, newest first (the same index's NULL range).
#[derive(Debug, Clone, Copy)]
enum ListPart {
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

fn list_parts(q: &OrderQuery) -> Vec<ListPart> {
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

/// Appends the query's filters (scope, statuses, units, dates, text) as ` AND ...` clauses.
macro_rules! push_order_filters {
    ($qb:expr, $q:expr) => {{
        let qb = &mut $qb;
        let q: &OrderQuery = $q;
            if !q.scope.is_empty() {
                qb.push(" AND (");
                range_or(qb, "o.region_path", &q.scope);
                qb.push(" OR ");
                range_or(qb, "o.lead_path", &q.scope);
                qb.push(" OR EXISTS (SELECT 1 FROM work_order_co_units c WHERE c.order_id = o.id AND ");
                range_or(qb, "c.unit_path", &q.scope);
                qb.push("))");
            }
            if let Some(u) = q.created_by {
                qb.push(" AND o.created_by = ").push_bind(u.0);
            }
            if let Some(s) = &q.lead_scope {
                qb.push(" AND o.lead_path IS NOT NULL AND ");
                range_or(qb, "o.lead_path", s);
            }
            if let Some(s) = &q.to_sign_scope {
                qb.push(" AND ((o.status = 'dispatched' AND o.lead_path IS NOT NULL AND ");
                range_or(qb, "o.lead_path", s);
                qb.push(") OR (o.status IN ('dispatched', 'handling', 'suspended') AND EXISTS (SELECT 1 FROM work_order_co_units c WHERE c.order_id = o.id AND c.accepted = FALSE AND ");
                range_or(qb, "c.unit_path", s);
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
                qb.push(" AND o.created_at >= ").push_bind(micros(t));
            }
            if let Some(t) = q.created_to {
                qb.push(" AND o.created_at < ").push_bind(micros(t));
            }
            if let Some(t) = q.overdue_at {
                qb.push(" AND o.handling_due < ").push_bind(micros(t));
                qb.push(" AND o.status IN ('dispatched', 'handling', 'suspended', 'pending_review')");
            }
            if q.pending_extension {
                qb.push(" AND o.pending_extension = TRUE");
            }
            if let Some(t) = &q.text {
                let pat = contains_pattern(t);
                qb.push(" AND (o.title LIKE ").push_bind(pat.clone()).push(" ESCAPE '\\'");
                qb.push(" OR o.content LIKE ").push_bind(pat.clone()).push(" ESCAPE '\\'");
                qb.push(" OR o.number = ").push_bind(t.clone()).push(")");
            }
    }};
}

#[async_trait]
impl WorkOrderStore for SqlStore {
    #[tracing::instrument(name = "store.work_order.insert_order", skip_all, fields(order_id = %order.id))]
    async fn insert_order(
        &self,
        order: &WorkOrder,
        entry: &HistoryEntry,
        number_prefix: &str,
        idempotency: Option<IdempotencyKey<'_>>,
        sketch: Option<&jiceng_orders::duplicates::OrderSketch>,
    ) -> Result<Inserted> {
        let mut o = order.clone();
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            if let Some(k) = idempotency {
                let existing: Option<(Uuid, Option<String>)> = sqlx::query_as(SELECT_KEY)
                    .bind(k.user.0)
                    .bind(k.key)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                if let Some(found) = existing {
                    return replay(found, k);
                }
            }
            let seq: i64 = sqlx::query_scalar(NEXT_NUMBER)
                .bind(number_prefix)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            o.number = format!("{number_prefix}{seq:06}");
            sqlx::query(INSERT_ORDER)
                .bind(o.id.0)
                .bind(&o.number)
                .bind(o.status.as_str())
                .bind(o.channel.as_str())
                .bind(&o.category)
                .bind(o.urgency.as_str())
                .bind(&o.title)
                .bind(&o.content)
                .bind(&o.caller_phone)
                .bind(o.region.unit_id.0)
                .bind(o.region.unit_path.as_str())
                .bind(o.lead.as_ref().map(|l| l.unit_id.0))
                .bind(o.lead.as_ref().map(|l| l.unit_path.as_str().to_owned()))
                .bind(o.handling_due.map(micros))
                .bind(o.extension.is_some())
                .bind(o.created_by.0)
                .bind(micros(o.created_at))
                .bind(micros(o.updated_at))
                .bind(i64::from(o.version))
                .bind(Json(&o))
                .bind(o.open_deadline().map(micros))
                .bind(&o.tracking_hash)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            write_order_rows!(tx, &o, entry);
            write_sla_rows!(tx, &o, &[]);
            if let Some(s) = sketch {
                write_sketch!(tx, s);
            }
            if let Some(k) = idempotency {
                let r = sqlx::query("INSERT INTO idempotency_keys (user_id, key, order_id, created_at, request_hash) VALUES ($1, $2, $3, $4, $5)")
                    .bind(k.user.0)
                    .bind(k.key)
                    .bind(o.id.0)
                    .bind(micros(o.created_at))
                    .bind(k.request_hash)
                    .execute(&mut *tx)
                    .await;
                if let Err(e) = r {
                    // A concurrent request with the same key won the race: answer with its order.
                    if is_version_clash(&e) {
                        drop(tx);
                        let found: (Uuid, Option<String>) = sqlx::query_as(SELECT_KEY)
                            .bind(k.user.0)
                            .bind(k.key)
                            .fetch_one(p)
                            .await
                            .map_err(db_err)?;
                        return replay(found, k);
                    }
                    return Err(db_err(e));
                }
            }
            append_audit!(self, tx, &[records::order_step(&o, entry)]);
            tx.commit().await.map_err(db_err)?;
            Ok(Inserted::Created(o.number.clone()))
        })
    }

    #[tracing::instrument(name = "store.work_order.get_order", skip_all, fields(id = %id))]
    async fn get_order(&self, id: OrderId) -> Result<Option<WorkOrder>> {
        let doc: Option<Json<WorkOrder>> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT doc FROM work_orders WHERE id = $1"
        )
        .bind(id.0)
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        Ok(doc.map(|d| d.0))
    }

    async fn tracking_hashes(&self, ids: &[OrderId]) -> Result<Vec<(OrderId, String)>> {
        let mut out = Vec::new();
        for id in ids {
            let h: Option<Option<String>> = on_write!(self, |p| sqlx::query_scalar(
                "SELECT tracking_hash FROM work_orders WHERE id = $1"
            )
            .bind(id.0)
            .fetch_optional(p)
            .await)
            .map_err(db_err)?;
            if let Some(Some(h)) = h {
                out.push((*id, h));
            }
        }
        Ok(out)
    }

    async fn find_order_by_number(&self, number: &str) -> Result<Option<WorkOrder>> {
        let doc: Option<Json<WorkOrder>> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT doc FROM work_orders WHERE number = $1"
        )
        .bind(number)
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        Ok(doc.map(|d| d.0))
    }

    #[tracing::instrument(name = "store.work_order.apply_changes", skip_all)]
    async fn apply_changes(&self, changes: &[OrderChange]) -> Result<()> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            for c in changes {
                let o = &c.order;
                let r = sqlx::query(UPDATE_ORDER)
                    .bind(o.status.as_str())
                    .bind(&o.category)
                    .bind(o.urgency.as_str())
                    .bind(o.lead.as_ref().map(|l| l.unit_id.0))
                    .bind(o.lead.as_ref().map(|l| l.unit_path.as_str().to_owned()))
                    .bind(o.handling_due.map(micros))
                    .bind(o.extension.is_some())
                    .bind(micros(o.updated_at))
                    .bind(i64::from(o.version))
                    .bind(Json(o))
                    .bind(o.id.0)
                    .bind(i64::from(c.expected_version))
                    .bind(o.open_deadline().map(micros))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                if r.rows_affected() != 1 {
                    return Err(version_conflict());
                }
                write_order_rows!(tx, o, &c.entry);
                write_sla_rows!(tx, o, &c.escalations);
                if o.status.is_final() {
                    // Archived and merged orders are no duplicate candidates any more: only open
                    // orders keep a text sketch, so candidate queries need not read the orders.
                    for sql in [
                        "DELETE FROM order_sketch_places WHERE order_id = $1",
                        "DELETE FROM order_sketches WHERE order_id = $1",
                    ] {
                        sqlx::query(sql)
                            .bind(o.id.0)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                }
                for n in &c.notices {
                    sqlx::query(
                        "INSERT INTO outbox (id, order_id, kind, phone, text, status, attempts, created_at) \
                         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(n.order_id.0)
                    .bind(&n.kind)
                    .bind(&n.phone)
                    .bind(&n.text)
                    .bind(micros(o.updated_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                }
            }
            let audit: Vec<_> = changes
                .iter()
                .map(|c| records::order_step(&c.order, &c.entry))
                .collect();
            append_audit!(self, tx, &audit);
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.work_order.order_history", skip_all, fields(id = %id))]
    async fn order_history(&self, id: OrderId) -> Result<Vec<HistoryEntry>> {
        let rows: Vec<HistoryRow> = on_read!(self, |p| sqlx::query_as(
            "SELECT seq, at, actor_id, actor_name, action, from_status, to_status, payload \
             FROM work_order_history WHERE order_id = $1 ORDER BY seq"
        )
        .bind(id.0)
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        rows.into_iter().map(HistoryRow::into_entry).collect()
    }

    #[tracing::instrument(name = "store.work_order.list_orders", skip_all)]
    async fn list_orders(&self, q: &OrderQuery) -> Result<Vec<WorkOrder>> {
        let mut docs: Vec<Json<WorkOrder>> = Vec::new();
        for part in list_parts(q) {
            let Some(want) = q.limit.checked_sub(docs.len() as u32).filter(|w| *w > 0) else {
                break;
            };
            let page: Vec<Json<WorkOrder>> = on_read!(self, |p| {
                let mut qb = QueryBuilder::new("SELECT doc FROM work_orders o WHERE 1 = 1");
                push_order_filters!(qb, q);
                match part {
                    ListPart::Newest { before } | ListPart::NoDeadline { before } => {
                        if matches!(part, ListPart::NoDeadline { .. }) {
                            qb.push(" AND o.due_at IS NULL");
                        }
                        if let Some(b) = before {
                            qb.push(" AND o.id < ").push_bind(b);
                        }
                        qb.push(" ORDER BY o.id DESC");
                    }
                    ListPart::Deadline { desc, after } => {
                        qb.push(" AND o.due_at IS NOT NULL");
                        if let Some((due, id)) = after {
                            qb.push(if desc {
                                " AND (o.due_at, o.id) < ("
                            } else {
                                " AND (o.due_at, o.id) > ("
                            });
                            qb.push_bind(due).push(", ").push_bind(id).push(")");
                        }
                        qb.push(if desc {
                            " ORDER BY o.due_at DESC, o.id DESC"
                        } else {
                            " ORDER BY o.due_at, o.id"
                        });
                    }
                }
                qb.push(" LIMIT ").push_bind(i64::from(want));
                qb.build_query_scalar().fetch_all(p).await
            })
            .map_err(db_err)?;
            docs.extend(page);
        }
        Ok(docs.into_iter().map(|d| d.0).collect())
    }

    #[tracing::instrument(name = "store.work_order.pending_notices", skip_all)]
    async fn pending_notices(&self, limit: u32) -> Result<Vec<Notice>> {
        let rows: Vec<(Uuid, String, String, String)> = on_read!(self, |p| sqlx::query_as(
            "SELECT order_id, kind, phone, text FROM outbox WHERE status = 'pending' ORDER BY id LIMIT $1"
        )
        .bind(i64::from(limit))
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(order, kind, phone, text)| Notice {
                order_id: OrderId(order),
                kind,
                phone,
                text,
            })
            .collect())
    }

    #[tracing::instrument(name = "store.work_order.count_orders", skip_all)]
    async fn count_orders(&self) -> Result<u64> {
        let n: i64 = on_read!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM work_orders"
        )
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        Ok(n.max(0) as u64)
    }
}
