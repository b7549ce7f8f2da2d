use crate::pool::{SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use jiceng_kernel::error::Result;
use jiceng_kernel::ids::{CountyId, UnitId};
use jiceng_orders::locator::UnitArea;
use jiceng_orders::ports::AreaStore;
use sqlx::types::Json;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    unit_id: Uuid,
    geometry: Json<serde_json::Value>,
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
    source: String,
    updated_at: i64,
}

#[async_trait]
impl AreaStore for SqlStore {
    #[tracing::instrument(name = "store.area.put_areas", skip_all)]
    async fn put_areas(&self, areas: &[UnitArea]) -> Result<()> {
        // An upsert both backends understand.
        const SQL: &str = "INSERT INTO unit_areas \
             (unit_id, geometry, min_lon, min_lat, max_lon, max_lat, source, updated_at, county_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (county_id, unit_id) DO UPDATE SET geometry = excluded.geometry, \
             min_lon = excluded.min_lon, min_lat = excluded.min_lat, max_lon = excluded.max_lon, \
             max_lat = excluded.max_lat, source = excluded.source, updated_at = excluded.updated_at";
        let mut counties = Vec::with_capacity(areas.len());
        for a in areas {
            counties.push(self.existing_unit_county(a.unit).await?);
        }
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            for (a, county) in areas.iter().zip(&counties) {
                let [min_lon, min_lat, max_lon, max_lat] = a.bbox;
                sqlx::query(SQL)
                    .bind(a.unit.0)
                    .bind(Json(&a.geometry))
                    .bind(min_lon)
                    .bind(min_lat)
                    .bind(max_lon)
                    .bind(max_lat)
                    .bind(&a.source)
                    .bind(micros(a.updated_at))
                    .bind(county.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.area.list_areas", skip_all)]
    async fn list_areas(&self, county: CountyId) -> Result<Vec<UnitArea>> {
        const SQL: &str = "SELECT unit_id, geometry, min_lon, min_lat, max_lon, max_lat, source, \
                           updated_at FROM unit_areas WHERE county_id = $1 ORDER BY unit_id";
        let rows: Vec<Row> = on_read!(self, |p| sqlx::query_as(SQL)
            .bind(county.0)
            .fetch_all(p)
            .await)
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| UnitArea {
                unit: UnitId(r.unit_id),
                geometry: r.geometry.0,
                bbox: [r.min_lon, r.min_lat, r.max_lon, r.max_lat],
                source: r.source,
                updated_at: from_micros(r.updated_at),
            })
            .collect())
    }

    #[tracing::instrument(name = "store.area.set_unit_aliases", skip_all)]
    async fn set_unit_aliases(&self, unit: UnitId, aliases: &[String]) -> Result<()> {
        let county = self.existing_unit_county(unit).await?;
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query("DELETE FROM unit_aliases WHERE county_id = $1 AND unit_id = $2")
                .bind(county.0)
                .bind(unit.0)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            for a in aliases {
                sqlx::query(
                    "INSERT INTO unit_aliases (county_id, unit_id, alias) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(county.0)
                .bind(unit.0)
                .bind(a)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.area.list_unit_aliases", skip_all)]
    async fn list_unit_aliases(&self, county: CountyId) -> Result<Vec<(UnitId, String)>> {
        let rows: Vec<(Uuid, String)> = on_read!(self, |p| {
            sqlx::query_as(
            "SELECT unit_id, alias FROM unit_aliases WHERE county_id = $1 ORDER BY unit_id, alias"
        )
        .bind(county.0)
        .fetch_all(p)
        .await
        })
        .map_err(db_err)?;
        Ok(rows.into_iter().map(|(u, a)| (UnitId(u), a)).collect())
    }
}
