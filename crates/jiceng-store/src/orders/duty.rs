//! Responsibility lists: one row per version, one per duty.

use crate::pool::{SqlStore, db_err, unique_or_db_err};
use crate::rows::{corrupt, from_micros, micros};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiceng_kernel::calendar::TimeLimit;
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{CountyId, DutyId, DutyListId, UnitId, UserId};
use jiceng_orders::duty::{Duty, DutyList, DutyListInfo, DutyListStatus, UnitRef};
use jiceng_orders::ports::DutyStore;
use sqlx::types::Json;
use uuid::Uuid;

const INFO_COLUMNS: &str = "l.id, l.unit_id, l.version, l.status, l.effective_date, l.created_by, \
     l.created_at, l.published_at, (SELECT COUNT(*) FROM duties d WHERE d.county_id = l.county_id AND d.list_id = l.id) AS duty_count";

#[derive(sqlx::FromRow)]
struct InfoRow {
    id: Uuid,
    unit_id: Uuid,
    version: i64,
    status: String,
    effective_date: Option<String>,
    created_by: Option<Uuid>,
    created_at: i64,
    published_at: Option<i64>,
    duty_count: i64,
}

impl InfoRow {
    fn into_info(self) -> Result<DutyListInfo> {
        let effective_date = match self.effective_date {
            Some(d) => {
                Some(NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| corrupt("date", &d))?)
            }
            None => None,
        };
        Ok(DutyListInfo {
            id: DutyListId(self.id),
            unit_id: UnitId(self.unit_id),
            version: u32::try_from(self.version).map_err(|_| corrupt("version", "range"))?,
            status: DutyListStatus::parse(&self.status)
                .ok_or_else(|| corrupt("duty list status", &self.status))?,
            effective_date,
            created_by: self.created_by.map(UserId),
            created_at: from_micros(self.created_at),
            published_at: self.published_at.map(from_micros),
            duty_count: self.duty_count.clamp(0, i64::from(u32::MAX)) as u32,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DutyRow {
    id: Uuid,
    position: i64,
    matter: String,
    category: String,
    keywords: Json<Vec<String>>,
    lead: Json<UnitRef>,
    assisting: Json<Vec<UnitRef>>,
    legal_basis: Option<String>,
    sign_for: String,
    handling: String,
    callback: Option<String>,
    village_assist: bool,
}

fn limit(s: &str) -> Result<TimeLimit> {
    TimeLimit::parse(s).map_err(|_| corrupt("time limit", s))
}

impl DutyRow {
    fn into_duty(self) -> Result<Duty> {
        Ok(Duty {
            id: DutyId(self.id),
            position: u32::try_from(self.position).map_err(|_| corrupt("position", "range"))?,
            matter: self.matter,
            category: self.category,
            keywords: self.keywords.0,
            lead: self.lead.0,
            assisting: self.assisting.0,
            legal_basis: self.legal_basis,
            sign_for: limit(&self.sign_for)?,
            handling: limit(&self.handling)?,
            callback: self.callback.as_deref().map(limit).transpose()?,
            village_assist: self.village_assist,
        })
    }
}

#[async_trait]
impl DutyStore for SqlStore {
    #[tracing::instrument(name = "store.duty.insert_duty_list", skip_all, fields(list_id = %list.info.id))]
    async fn insert_duty_list(&self, list: &DutyList) -> Result<()> {
        let i = &list.info;
        let county = self.existing_unit_county(i.unit_id).await?;
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO duty_lists (id, unit_id, version, status, effective_date, created_by, created_at, published_at, county_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(i.id.0)
            .bind(i.unit_id.0)
            .bind(i64::from(i.version))
            .bind(i.status.as_str())
            .bind(i.effective_date.map(|d| d.to_string()))
            .bind(i.created_by.map(|u| u.0))
            .bind(micros(i.created_at))
            .bind(i.published_at.map(micros))
            .bind(county.0)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                unique_or_db_err(
                    e,
                    codes::DUTY_LIST_VERSION_TAKEN,
                    "同一时间有另一份清单导入，版本号已被占用，请重新导入",
                )
            })?;
            for d in &list.duties {
                sqlx::query(
                    "INSERT INTO duties (id, list_id, position, matter, category, keywords, lead, assisting, \
                     legal_basis, sign_for, handling, callback, village_assist, county_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(d.id.0)
                .bind(i.id.0)
                .bind(i64::from(d.position))
                .bind(&d.matter)
                .bind(&d.category)
                .bind(Json(&d.keywords))
                .bind(Json(&d.lead))
                .bind(Json(&d.assisting))
                .bind(&d.legal_basis)
                .bind(d.sign_for.to_string())
                .bind(d.handling.to_string())
                .bind(d.callback.map(|c| c.to_string()))
                .bind(d.village_assist)
                .bind(county.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.duty.get_duty_list", skip_all, fields(id = %id))]
    async fn get_duty_list(&self, county: CountyId, id: DutyListId) -> Result<Option<DutyList>> {
        let sql =
            format!("SELECT {INFO_COLUMNS} FROM duty_lists l WHERE l.county_id = $1 AND l.id = $2");
        let row: Option<InfoRow> =
            on_read!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(county.0)
                .bind(id.0)
                .fetch_optional(p)
                .await)
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let rows: Vec<DutyRow> = on_read!(self, |p| sqlx::query_as(
            "SELECT id, position, matter, category, keywords, lead, assisting, legal_basis, \
             sign_for, handling, callback, village_assist FROM duties \
             WHERE county_id = $1 AND list_id = $2 ORDER BY position"
        )
        .bind(county.0)
        .bind(id.0)
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        Ok(Some(DutyList {
            info: row.into_info()?,
            duties: rows
                .into_iter()
                .map(DutyRow::into_duty)
                .collect::<Result<_>>()?,
        }))
    }

    #[tracing::instrument(name = "store.duty.list_duty_lists", skip_all)]
    async fn list_duty_lists(&self, unit: UnitId) -> Result<Vec<DutyListInfo>> {
        let Some(county) = self.unit_county(unit).await? else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {INFO_COLUMNS} FROM duty_lists l WHERE l.county_id = $1 AND l.unit_id = $2 \
             ORDER BY l.version DESC"
        );
        let rows: Vec<InfoRow> =
            on_read!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(county.0)
                .bind(unit.0)
                .fetch_all(p)
                .await)
            .map_err(db_err)?;
        rows.into_iter().map(InfoRow::into_info).collect()
    }

    #[tracing::instrument(name = "store.duty.publish_duty_list", skip_all, fields(id = %id))]
    async fn publish_duty_list(
        &self,
        county: CountyId,
        id: DutyListId,
        effective: NaiveDate,
        at: DateTime<Utc>,
        statuses: &[(DutyListId, DutyListStatus)],
    ) -> Result<()> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            let done = sqlx::query(
                "UPDATE duty_lists SET status = $1, effective_date = $2, published_at = $3 \
                 WHERE county_id = $6 AND id = $4 AND status = $5",
            )
            .bind(DutyListStatus::Effective.as_str())
            .bind(effective.to_string())
            .bind(micros(at))
            .bind(id.0)
            .bind(DutyListStatus::Draft.as_str())
            .bind(county.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            if done.rows_affected() != 1 {
                return Err(Error::new(
                    codes::DUTY_LIST_NOT_DRAFT,
                    "该版本已发布或已不存在，请刷新后查看",
                ));
            }
            for (list, status) in statuses {
                sqlx::query("UPDATE duty_lists SET status = $1 WHERE county_id = $2 AND id = $3")
                    .bind(status.as_str())
                    .bind(county.0)
                    .bind(list.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }
}
