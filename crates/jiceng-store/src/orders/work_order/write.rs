//! The rows of a work order that a commit writes inside its transaction: the order, its
//! history entries and co-units, the outbox, and idempotency keys. Each macro runs its
//! statements on the transaction `$tx` (the same text serves both backends).

use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_orders::effects::Idempotency;
use uuid::Uuid;

pub(crate) const INSERT_ORDER: &str = "INSERT INTO work_orders (id, number, status, channel, category, urgency, title, content, \
     caller_phone, region_unit_id, region_path, lead_unit_id, lead_path, handling_due, pending_extension, \
     created_by, created_at, updated_at, version, doc, due_at, tracking_hash, county_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)";

pub(crate) const UPDATE_ORDER: &str = "UPDATE work_orders SET status = $1, category = $2, urgency = $3, lead_unit_id = $4, \
     lead_path = $5, handling_due = $6, pending_extension = $7, updated_at = $8, version = $9, doc = $10, \
     due_at = $13 WHERE county_id = $14 AND id = $11 AND version = $12";

pub(crate) const INSERT_HISTORY: &str = "INSERT INTO work_order_history \
     (order_id, seq, at, actor_id, actor_name, action, from_status, to_status, payload, county_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

pub(crate) const INSERT_CO_UNIT: &str = "INSERT INTO work_order_co_units (order_id, unit_id, unit_path, accepted, replied, county_id) \
     VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) const DELETE_CO_UNITS: &str =
    "DELETE FROM work_order_co_units WHERE county_id = $1 AND order_id = $2";

/// The next running count of a county's number prefix (`JC51160220261124`, `CB51160220261124`),
/// in the county's counters.
pub(crate) const NEXT_NUMBER: &str = "INSERT INTO order_counters (county_id, prefix, value) VALUES ($1, $2, 1) \
     ON CONFLICT (county_id, prefix) DO UPDATE SET value = order_counters.value + 1 RETURNING value";

pub(crate) const INSERT_NOTICE: &str = "INSERT INTO outbox (id, order_id, kind, phone, text, status, attempts, created_at, county_id) \
     VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)";

pub(crate) const SELECT_KEY: &str = "SELECT order_id, request_hash FROM idempotency_keys WHERE county_id = $3 AND user_id = $1 AND key = $2";

pub(crate) const INSERT_KEY: &str = "INSERT INTO idempotency_keys (user_id, key, order_id, created_at, request_hash, county_id) \
     VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) const SELECT_DOC: &str = "SELECT doc FROM work_orders WHERE county_id = $1 AND id = $2";

pub(crate) fn is_version_clash(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// A key used before: the order it created when the request is the same (or the key was
/// stored before requests were fingerprinted), else a refusal.
pub(crate) fn replayed_order(found: (Uuid, Option<String>), k: &Idempotency) -> Result<Uuid> {
    match found.1 {
        Some(h) if h != k.request_hash => Err(Error::new(
            codes::IDEMPOTENCY_KEY_REUSED,
            "此 Idempotency-Key 已用于另一份不同的受理内容；新的诉求请换用新的 Key",
        )),
        _ => Ok(found.0),
    }
}

/// Inserts the order `$o` (numbered already) into `work_orders`.
macro_rules! insert_order {
    ($tx:expr, $o:expr) => {{
        let o: &jiceng_orders::work_order::WorkOrder = $o;
        sqlx::query($crate::orders::work_order::write::INSERT_ORDER)
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
            .bind(o.handling_due.map($crate::rows::micros))
            .bind(o.extension.is_some())
            .bind(o.created_by.0)
            .bind($crate::rows::micros(o.created_at))
            .bind($crate::rows::micros(o.updated_at))
            .bind(i64::from(o.version))
            .bind(sqlx::types::Json(o))
            .bind(o.open_deadline().map($crate::rows::micros))
            .bind(&o.tracking_hash)
            .bind(o.region.unit_path.county().0)
            .execute(&mut *$tx)
            .await
            .map_err($crate::pool::db_err)?;
    }};
}

/// Writes the order `$o` over version `$expected`; a version conflict if it is no longer
/// stored at that version.
macro_rules! update_order {
    ($tx:expr, $o:expr, $expected:expr) => {{
        let o: &jiceng_orders::work_order::WorkOrder = $o;
        let expected: u32 = $expected;
        let r = sqlx::query($crate::orders::work_order::write::UPDATE_ORDER)
            .bind(o.status.as_str())
            .bind(&o.category)
            .bind(o.urgency.as_str())
            .bind(o.lead.as_ref().map(|l| l.unit_id.0))
            .bind(o.lead.as_ref().map(|l| l.unit_path.as_str().to_owned()))
            .bind(o.handling_due.map($crate::rows::micros))
            .bind(o.extension.is_some())
            .bind($crate::rows::micros(o.updated_at))
            .bind(i64::from(o.version))
            .bind(sqlx::types::Json(o))
            .bind(o.id.0)
            .bind(i64::from(expected))
            .bind(o.open_deadline().map($crate::rows::micros))
            .bind(o.region.unit_path.county().0)
            .execute(&mut *$tx)
            .await
            .map_err($crate::pool::db_err)?;
        if r.rows_affected() != 1 {
            return Err(jiceng_orders::use_cases::version_conflict());
        }
    }};
}

/// Writes the history entries `$history` of order `$o` and replaces its co-unit rows. An
/// entry whose number is taken is a version conflict (a concurrent change stored first).
macro_rules! write_order_rows {
    ($tx:expr, $o:expr, $history:expr) => {{
        let o: &jiceng_orders::work_order::WorkOrder = $o;
        for e in $history {
            let e: &jiceng_orders::work_order::HistoryEntry = e;
            sqlx::query($crate::orders::work_order::write::INSERT_HISTORY)
                .bind(o.id.0)
                .bind(i64::from(e.seq))
                .bind($crate::rows::micros(e.at))
                .bind(e.actor.0)
                .bind(&e.actor_name)
                .bind(&e.action)
                .bind(e.from_status.map(jiceng_orders::work_order::Status::as_str))
                .bind(e.to_status.as_str())
                .bind(sqlx::types::Json(&e.payload))
                .bind(o.region.unit_path.county().0)
                .execute(&mut *$tx)
                .await
                .map_err(|err| {
                    if $crate::orders::work_order::write::is_version_clash(&err) {
                        jiceng_orders::use_cases::version_conflict()
                    } else {
                        $crate::pool::db_err(err)
                    }
                })?;
        }
        sqlx::query($crate::orders::work_order::write::DELETE_CO_UNITS)
            .bind(o.region.unit_path.county().0)
            .bind(o.id.0)
            .execute(&mut *$tx)
            .await
            .map_err($crate::pool::db_err)?;
        for c in &o.co_units {
            sqlx::query($crate::orders::work_order::write::INSERT_CO_UNIT)
                .bind(o.id.0)
                .bind(c.unit.unit_id.0)
                .bind(c.unit.unit_path.as_str())
                .bind(c.accepted)
                .bind(c.reply.is_some())
                .bind(o.region.unit_path.county().0)
                .execute(&mut *$tx)
                .await
                .map_err($crate::pool::db_err)?;
        }
    }};
}

/// Queues the notice `$n` about an order of county `$county` in the outbox, stamped `$at`.
macro_rules! write_notice {
    ($tx:expr, $county:expr, $n:expr, $at:expr) => {{
        let county: jiceng_kernel::ids::CountyId = $county;
        let n: &jiceng_orders::work_order::Notice = $n;
        sqlx::query($crate::orders::work_order::write::INSERT_NOTICE)
            .bind(uuid::Uuid::now_v7())
            .bind(n.order_id.0)
            .bind(&n.kind)
            .bind(&n.phone)
            .bind(&n.text)
            .bind($crate::rows::micros($at))
            .bind(county.0)
            .execute(&mut *$tx)
            .await
            .map_err($crate::pool::db_err)?;
    }};
}
