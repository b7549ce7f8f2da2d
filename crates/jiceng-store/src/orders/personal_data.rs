//! A citizen's orders by phone, and the redaction records of erasures (个人信息保护法).
//!
//! A phone is found in the order's document, where its caller and the merged callers are;
//! the document is matched as text (one SQL text for both backends), so the read may return
//! orders that only mention the phone: the use case checks each order. An
//! erasure is rare and reads one jurisdiction; no index of phones is kept, so that erasing
//! leaves no copy of the phone behind.

use crate::accounts::org::push_scope;
use crate::pool::{SqlStore, db_err};
use crate::rows::{contains_pattern, from_micros};
use async_trait::async_trait;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{CountyId, OrderId, UserId};
use jiceng_kernel::org::UnitPath;
use jiceng_orders::effects::RedactionRecord;
use jiceng_orders::ports::PersonalDataStore;
use jiceng_orders::work_order::WorkOrder;
use sqlx::QueryBuilder;
use sqlx::types::Json;
use uuid::Uuid;

pub(crate) const INSERT_REDACTION: &str = "INSERT INTO order_redactions \
     (county_id, order_id, version, erased_at, actor_id, fields) VALUES ($1, $2, $3, $4, $5, $6)";

/// The columns of `work_orders` copied from the document that an erasure may change; the
/// transitions' update leaves them alone, as no transition changes them.
pub(crate) const UPDATE_CONTACT_COLUMNS: &str = "UPDATE work_orders SET caller_phone = $1, title = $2, content = $3 WHERE county_id = $5 AND id = $4";

/// Messages to the erased phone about the order: the phone goes, and those not yet sent are
/// withdrawn (a marker is no number to send to).
pub(crate) const WITHDRAW_NOTICES: &str = "UPDATE outbox SET phone = $1, \
     status = CASE WHEN status = 'pending' THEN 'withdrawn' ELSE status END \
     WHERE county_id = $4 AND order_id = $2 AND phone = $3";

/// Writes the redaction `$r` (an `&Redaction`) of the order `$o` as changed by the same
/// commit: the record, the order's contact columns, and the outbox rows to the erased phone.
macro_rules! write_redaction {
    ($tx:expr, $r:expr, $o:expr) => {{
        let r: &jiceng_orders::effects::Redaction = $r;
        let o: &jiceng_orders::work_order::WorkOrder = $o;
        sqlx::query($crate::orders::personal_data::INSERT_REDACTION)
            .bind(o.region.unit_path.county().0)
            .bind(o.id.0)
            .bind(i64::from(r.record.version))
            .bind($crate::rows::micros(r.record.at))
            .bind(r.record.actor.0)
            .bind(sqlx::types::Json(&r.record.fields))
            .execute(&mut *$tx)
            .await
            .map_err($crate::pool::db_err)?;
        sqlx::query($crate::orders::personal_data::UPDATE_CONTACT_COLUMNS)
            .bind(&o.caller_phone)
            .bind(&o.title)
            .bind(&o.content)
            .bind(o.id.0)
            .bind(o.region.unit_path.county().0)
            .execute(&mut *$tx)
            .await
            .map_err($crate::pool::db_err)?;
        sqlx::query($crate::orders::personal_data::WITHDRAW_NOTICES)
            .bind(jiceng_orders::work_order::erasure::ERASED)
            .bind(o.id.0)
            .bind(&r.phone)
            .bind(o.region.unit_path.county().0)
            .execute(&mut *$tx)
            .await
            .map_err($crate::pool::db_err)?;
    }};
}

#[derive(sqlx::FromRow)]
struct RedactionRow {
    order_id: Uuid,
    version: i64,
    erased_at: i64,
    actor_id: Uuid,
    fields: Json<Vec<String>>,
}

#[async_trait]
impl PersonalDataStore for SqlStore {
    #[tracing::instrument(name = "store.personal_data.orders_with_phone", skip_all)]
    async fn orders_with_phone(&self, scope: &[UnitPath], phone: &str) -> Result<Vec<WorkOrder>> {
        if scope.is_empty() {
            return Ok(Vec::new());
        }
        let counties = crate::rows::counties_of(scope);
        let docs: Vec<Json<WorkOrder>> = on_read!(self, |p| {
            let mut qb = QueryBuilder::new("SELECT o.doc FROM work_orders o WHERE 1 = 1");
            crate::rows::push_counties(&mut qb, "o.county_id", &counties);
            qb.push(" AND CAST(o.doc AS TEXT) LIKE ");
            qb.push_bind(contains_pattern(phone))
                .push(" ESCAPE '\\' AND (1 = 0");
            for column in ["o.region_path", "o.lead_path"] {
                qb.push(" OR (1 = 1");
                push_scope(&mut qb, column, scope);
                qb.push(")");
            }
            qb.push(") ORDER BY o.id");
            qb.build_query_scalar().fetch_all(p).await
        })
        .map_err(db_err)?;
        Ok(docs.into_iter().map(|d| d.0).collect())
    }

    async fn order_redactions(
        &self,
        county: CountyId,
        order: OrderId,
    ) -> Result<Vec<RedactionRecord>> {
        let rows: Vec<RedactionRow> = on_read!(self, |p| sqlx::query_as(
            "SELECT order_id, version, erased_at, actor_id, fields FROM order_redactions \
             WHERE county_id = $1 AND order_id = $2 ORDER BY version"
        )
        .bind(county.0)
        .bind(order.0)
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        rows.into_iter()
            .map(|r| {
                Ok(RedactionRecord {
                    order: OrderId(r.order_id),
                    version: u32::try_from(r.version)
                        .map_err(|_| Error::internal("删除记录的版本号无法识别"))?,
                    at: from_micros(r.erased_at),
                    actor: UserId(r.actor_id),
                    fields: r.fields.0,
                })
            })
            .collect()
    }
}
