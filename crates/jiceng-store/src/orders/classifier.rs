//! Category corrections and retrained models (the classifier learning from its users).

use crate::accounts::org::push_scope;
use crate::pool::{SqlStore, db_err, unique_or_db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::error::Result;
use jiceng_kernel::error::codes;
use jiceng_kernel::ids::{CountyId, OrderId, UserId};
use jiceng_kernel::org::UnitPath;
use jiceng_orders::learning::{
    BUILTIN_MODEL, CategoryCorrection, ClassifierStore, ModelId, StoredModel, TrainingRow,
    TrainingSummary,
};
use jiceng_orders::use_cases::model_not_found;
use sqlx::QueryBuilder;
use sqlx::types::Json;
use uuid::Uuid;

const MODEL_COLUMNS: &str =
    "id, created_at, created_by, summary, size, sha256, active, activated_at, previous";

#[derive(sqlx::FromRow)]
struct ModelRow {
    id: Uuid,
    created_at: i64,
    created_by: Option<Uuid>,
    summary: Json<TrainingSummary>,
    size: i64,
    sha256: String,
    active: bool,
    activated_at: Option<i64>,
    previous: Option<String>,
}

impl ModelRow {
    fn into_model(self) -> StoredModel {
        StoredModel {
            id: ModelId(self.id),
            created_at: from_micros(self.created_at),
            created_by: self.created_by.map(UserId),
            summary: self.summary.0,
            size: self.size.max(0) as u64,
            sha256: self.sha256,
            active: self.active,
            activated_at: self.activated_at.map(from_micros),
            previous: self.previous,
        }
    }
}

/// Stores a dispatcher's correction of an order's category, replacing the order's earlier one
/// (the latest counts), in the transaction `tx`.
macro_rules! write_correction {
    ($tx:expr, $county:expr, $c:expr) => {{
        let county: jiceng_kernel::ids::CountyId = $county;
        let c: &jiceng_orders::learning::CategoryCorrection = $c;
        sqlx::query($crate::orders::classifier::UPSERT_CORRECTION)
            .bind(county.0)
            .bind(c.order_id.0)
            .bind(&c.predicted)
            .bind(&c.model)
            .bind(&c.corrected)
            .bind(c.corrected_by.0)
            .bind($crate::rows::micros(c.corrected_at))
            .execute(&mut *$tx)
            .await
            .map_err($crate::pool::db_err)?;
    }};
}

pub(crate) const UPSERT_CORRECTION: &str = "INSERT INTO category_corrections \
     (county_id, order_id, predicted, model, corrected, corrected_by, corrected_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (county_id, order_id) DO UPDATE SET predicted = excluded.predicted, model = excluded.model, \
     corrected = excluded.corrected, corrected_by = excluded.corrected_by, corrected_at = excluded.corrected_at";

type CorrectionRow = (Uuid, Option<String>, Option<String>, String, Uuid, i64);

#[derive(sqlx::FromRow)]
struct TrainingDbRow {
    id: Uuid,
    title: String,
    content: String,
    category: Option<String>,
    corrected: Option<String>,
}

#[async_trait]
impl ClassifierStore for SqlStore {
    #[tracing::instrument(name = "store.model.get_correction", skip_all)]
    async fn get_correction(
        &self,
        county: CountyId,
        order: OrderId,
    ) -> Result<Option<CategoryCorrection>> {
        let row: Option<CorrectionRow> = on_read!(self, |p| sqlx::query_as(
            "SELECT order_id, predicted, model, corrected, corrected_by, corrected_at \
             FROM category_corrections WHERE county_id = $1 AND order_id = $2"
        )
        .bind(county.0)
        .bind(order.0)
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        Ok(row.map(
            |(order, predicted, model, corrected, by, at)| CategoryCorrection {
                county,
                order_id: OrderId(order),
                predicted,
                model,
                corrected,
                corrected_by: UserId(by),
                corrected_at: from_micros(at),
            },
        ))
    }

    #[tracing::instrument(name = "store.model.training_rows", skip_all)]
    async fn training_rows(&self, scope: &[UnitPath]) -> Result<Vec<TrainingRow>> {
        // No scope is the whole server: every county's orders.
        let counties = if scope.is_empty() {
            use jiceng_accounts::ports::OrgStore;
            self.counties()
                .await?
                .iter()
                .map(|u| u.path.county())
                .collect()
        } else {
            crate::rows::counties_of(scope)
        };
        if counties.is_empty() {
            return Ok(Vec::new());
        }
        // `LENGTH(..) > 0`, not `<> ''`: an engine that reads '' as NULL (openGauss in its
        // default mode) would compare every category to NULL and train on nothing.
        let rows: Vec<TrainingDbRow> = on_read!(self, |p| {
            let mut qb = QueryBuilder::new(
                "SELECT o.id, o.title, o.content, o.category, c.corrected \
                 FROM work_orders o LEFT JOIN category_corrections c \
                 ON c.county_id = o.county_id AND c.order_id = o.id \
                 WHERE ((c.order_id IS NOT NULL AND o.status <> 'merged') \
                 OR (c.order_id IS NULL AND o.status = 'archived' AND LENGTH(o.category) > 0))",
            );
            crate::rows::push_counties(&mut qb, "o.county_id", &counties);
            push_scope(&mut qb, "o.region_path", scope);
            qb.push(" ORDER BY o.id");
            qb.build_query_as().fetch_all(p).await
        })
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let corrected = r.corrected.is_some();
                Some(TrainingRow {
                    order_id: OrderId(r.id),
                    title: r.title,
                    text: r.content,
                    label: r.corrected.or(r.category)?,
                    corrected,
                })
            })
            .collect())
    }

    #[tracing::instrument(name = "store.model.insert_model", skip_all)]
    async fn insert_model(&self, m: &StoredModel, bytes: &[u8], audit: &AuditRecord) -> Result<()> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO models (id, created_at, created_by, summary, macro_f1, size, sha256, data, active, activated_at, previous) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE, NULL, NULL)",
            )
            .bind(m.id.0)
            .bind(micros(m.created_at))
            .bind(m.created_by.map(|u| u.0))
            .bind(Json(&m.summary))
            .bind(m.summary.macro_f1)
            .bind(m.size as i64)
            .bind(&m.sha256)
            .bind(bytes)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            append_audit!(self, tx, std::slice::from_ref(audit));
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.model.list_models", skip_all)]
    async fn list_models(&self) -> Result<Vec<StoredModel>> {
        let sql = format!("SELECT {MODEL_COLUMNS} FROM models ORDER BY id DESC");
        let rows: Vec<ModelRow> =
            on_read!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(p)
                .await)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(ModelRow::into_model).collect())
    }

    #[tracing::instrument(name = "store.model.get_model", skip_all, fields(id = %id))]
    async fn get_model(&self, id: ModelId) -> Result<Option<StoredModel>> {
        let sql = format!("SELECT {MODEL_COLUMNS} FROM models WHERE id = $1");
        let row: Option<ModelRow> =
            on_read!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id.0)
                .fetch_optional(p)
                .await)
            .map_err(db_err)?;
        Ok(row.map(ModelRow::into_model))
    }

    #[tracing::instrument(name = "store.model.model_bytes", skip_all, fields(id = %id))]
    async fn model_bytes(&self, id: ModelId) -> Result<Option<Vec<u8>>> {
        on_read!(self, |p| sqlx::query_scalar(
            "SELECT data FROM models WHERE id = $1"
        )
        .bind(id.0)
        .fetch_optional(p)
        .await)
        .map_err(db_err)
    }

    #[tracing::instrument(name = "store.model.active_model", skip_all)]
    async fn active_model(&self) -> Result<Option<ModelId>> {
        let id: Option<Uuid> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT id FROM models WHERE active"
        )
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        Ok(id.map(ModelId))
    }

    #[tracing::instrument(name = "store.model.activate_model", skip_all)]
    async fn activate_model(
        &self,
        model: Option<ModelId>,
        at: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> Result<()> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            let before: Option<Uuid> = sqlx::query_scalar("SELECT id FROM models WHERE active")
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query("UPDATE models SET active = FALSE WHERE active")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            if let Some(id) = model {
                let previous = before.map_or_else(|| BUILTIN_MODEL.to_owned(), |u| u.to_string());
                let done = sqlx::query(
                    "UPDATE models SET active = TRUE, activated_at = $1, previous = $2 WHERE id = $3",
                )
                .bind(micros(at))
                .bind(previous)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    unique_or_db_err(
                        e,
                        codes::MODEL_BUSY,
                        "另一项模型启用操作正在进行，请刷新后重试",
                    )
                })?;
                if done.rows_affected() != 1 {
                    return Err(model_not_found());
                }
            }
            append_audit!(self, tx, std::slice::from_ref(audit));
            tx.commit().await.map_err(|e| {
                unique_or_db_err(
                    e,
                    codes::MODEL_BUSY,
                    "另一项模型启用操作正在进行，请刷新后重试",
                )
            })
        })
    }
}
