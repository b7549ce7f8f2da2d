//! Work orders: reads (one order, its history, lists, the outbox) here; the rows a commit
//! writes in [`write`]; the list queries' filters and keyset ranges in [`list`].

#[macro_use]
pub(crate) mod write;
#[macro_use]
mod list;

use crate::pool::{SqlStore, db_err};
use crate::rows::from_micros;
use async_trait::async_trait;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{CountyId, OrderId, UserId};
use jiceng_orders::ports::{OrderQuery, WorkOrderStore};
use jiceng_orders::work_order::{HistoryEntry, Notice, Status, WorkOrder};
use list::{ListPart, list_parts};
use sqlx::QueryBuilder;
use sqlx::types::Json;
use uuid::Uuid;

pub(crate) use write::is_version_clash;

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

#[async_trait]
impl WorkOrderStore for SqlStore {
    #[tracing::instrument(name = "store.work_order.get_order", skip_all, fields(id = %id))]
    async fn get_order(&self, county: CountyId, id: OrderId) -> Result<Option<WorkOrder>> {
        let doc: Option<Json<WorkOrder>> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT doc FROM work_orders WHERE county_id = $1 AND id = $2"
        )
        .bind(county.0)
        .bind(id.0)
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        Ok(doc.map(|d| d.0))
    }

    async fn tracking_hashes(
        &self,
        county: CountyId,
        ids: &[OrderId],
    ) -> Result<Vec<(OrderId, String)>> {
        let mut out = Vec::new();
        for id in ids {
            let h: Option<Option<String>> = on_write!(self, |p| sqlx::query_scalar(
                "SELECT tracking_hash FROM work_orders WHERE county_id = $1 AND id = $2"
            )
            .bind(county.0)
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

    async fn find_order_by_number(
        &self,
        county: CountyId,
        number: &str,
    ) -> Result<Option<WorkOrder>> {
        let doc: Option<Json<WorkOrder>> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT doc FROM work_orders WHERE county_id = $1 AND number = $2"
        )
        .bind(county.0)
        .bind(number)
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        Ok(doc.map(|d| d.0))
    }

    #[tracing::instrument(name = "store.work_order.order_history", skip_all, fields(id = %id))]
    async fn order_history(&self, county: CountyId, id: OrderId) -> Result<Vec<HistoryEntry>> {
        let rows: Vec<HistoryRow> = on_read!(self, |p| sqlx::query_as(
            "SELECT seq, at, actor_id, actor_name, action, from_status, to_status, payload \
             FROM work_order_history WHERE county_id = $1 AND order_id = $2 ORDER BY seq"
        )
        .bind(county.0)
        .bind(id.0)
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        rows.into_iter().map(HistoryRow::into_entry).collect()
    }

    #[tracing::instrument(name = "store.work_order.list_orders", skip_all)]
    async fn list_orders(&self, q: &OrderQuery) -> Result<Vec<WorkOrder>> {
        let mut docs: Vec<Json<WorkOrder>> = Vec::new();
        let counties = list::query_counties(q);
        if counties.is_empty() {
            return Ok(Vec::new());
        }
        for part in list_parts(q) {
            let Some(want) = q.limit.checked_sub(docs.len() as u32).filter(|w| *w > 0) else {
                break;
            };
            let page: Vec<Json<WorkOrder>> = on_read!(self, |p| {
                let mut qb = QueryBuilder::new("SELECT doc FROM work_orders o WHERE 1 = 1");
                list::push_counties(&mut qb, "o.county_id", &counties);
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
    async fn pending_notices(&self, county: CountyId, limit: u32) -> Result<Vec<Notice>> {
        let rows: Vec<(Uuid, String, String, String)> = on_read!(self, |p| sqlx::query_as(
            "SELECT order_id, kind, phone, text FROM outbox \
             WHERE county_id = $1 AND status = 'pending' ORDER BY id LIMIT $2"
        )
        .bind(county.0)
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
    async fn count_orders(&self, county: CountyId) -> Result<u64> {
        let n: i64 = on_read!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM work_orders WHERE county_id = $1"
        )
        .bind(county.0)
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        Ok(n.max(0) as u64)
    }
}
