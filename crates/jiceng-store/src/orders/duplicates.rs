//! Text sketches of orders for duplicate detection, read by box, place and address.

use crate::pool::{SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use jiceng_kernel::error::Result;
use jiceng_kernel::ids::{CountyId, OrderId};
use jiceng_kernel::org::UnitPath;
use jiceng_orders::duplicates::{DuplicateStore, Near, OrderSketch, Point, SketchQuery};
use jiceng_orders::work_order::WorkOrder;
use sqlx::QueryBuilder;
use sqlx::types::Json;
use uuid::Uuid;

pub(crate) const UPSERT: &str = "INSERT INTO order_sketches \
     (order_id, county_id, region_path, created_at, latitude, longitude, address_key, method, sketch) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (county_id, order_id) DO UPDATE SET region_path = excluded.region_path, \
     created_at = excluded.created_at, latitude = excluded.latitude, longitude = excluded.longitude, \
     address_key = excluded.address_key, method = excluded.method, sketch = excluded.sketch";

// An order's region and registration time never change, so its place rows never do either.
pub(crate) const PLACE: &str = "INSERT INTO order_sketch_places (place_path, created_at, order_id, located, county_id) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (county_id, place_path, created_at, order_id) DO NOTHING";

/// Writes the sketch `$s` (an `&OrderSketch`) with its place rows in the transaction `$tx`;
/// nothing for a sketch without a county tree. Used at registration (in the order's own
/// transaction) and when sketches are stored later.
macro_rules! write_sketch {
    ($tx:expr, $s:expr) => {{
        let s: &jiceng_orders::duplicates::OrderSketch = $s;
        if s.tree().is_some() {
            let county = s.region.county();
            sqlx::query($crate::orders::duplicates::UPSERT)
                .bind(s.order_id.0)
                .bind(county.0)
                .bind(s.region.as_str())
                .bind($crate::rows::micros(s.created_at))
                .bind(s.point.map(|p| p.lat))
                .bind(s.point.map(|p| p.lon))
                .bind(&s.address_key)
                .bind(&s.method)
                .bind($crate::orders::duplicates::encode(&s.sketch))
                .execute(&mut *$tx)
                .await
                .map_err($crate::pool::db_err)?;
            let mut places = jiceng_orders::duplicates::ancestor_paths(&s.region);
            places.push(s.region.clone());
            for place in places {
                sqlx::query($crate::orders::duplicates::PLACE)
                    .bind(place.as_str())
                    .bind($crate::rows::micros(s.created_at))
                    .bind(s.order_id.0)
                    .bind(s.point.is_some())
                    .bind(county.0)
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::pool::db_err)?;
            }
        }
    }};
}

/// Drops the sketch of order `$id` (an `OrderId`) of county `$county` and its place rows in
/// the transaction `$tx`.
macro_rules! drop_sketch {
    ($tx:expr, $county:expr, $id:expr) => {{
        let county: jiceng_kernel::ids::CountyId = $county;
        let id: jiceng_kernel::ids::OrderId = $id;
        for sql in [
            "DELETE FROM order_sketch_places WHERE county_id = $1 AND order_id = $2",
            "DELETE FROM order_sketches WHERE county_id = $1 AND order_id = $2",
        ] {
            sqlx::query(sql)
                .bind(county.0)
                .bind(id.0)
                .execute(&mut *$tx)
                .await
                .map_err($crate::pool::db_err)?;
        }
    }};
}

const COLUMNS: &str = "s.order_id, s.region_path, s.created_at, s.latitude, s.longitude, \
     s.address_key, s.method, s.sketch";

#[derive(sqlx::FromRow)]
struct Row {
    order_id: Uuid,
    region_path: String,
    created_at: i64,
    latitude: Option<f64>,
    longitude: Option<f64>,
    address_key: Option<String>,
    method: String,
    sketch: Vec<u8>,
}

impl Row {
    fn into_sketch(self) -> OrderSketch {
        OrderSketch {
            order_id: OrderId(self.order_id),
            region: UnitPath::from_stored(self.region_path),
            created_at: from_micros(self.created_at),
            point: match (self.latitude, self.longitude) {
                (Some(lat), Some(lon)) => Some(Point { lat, lon }),
                _ => None,
            },
            address_key: self.address_key,
            method: self.method,
            sketch: decode(&self.sketch),
        }
    }
}

pub(crate) fn encode(sketch: &[u64]) -> Vec<u8> {
    sketch.iter().flat_map(|h| h.to_le_bytes()).collect()
}

/// Trailing bytes that do not make a whole hash are ignored.
fn decode(bytes: &[u8]) -> Vec<u64> {
    bytes
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect()
}

#[async_trait]
impl DuplicateStore for SqlStore {
    #[tracing::instrument(name = "store.duplicates.put_sketches", skip_all)]
    async fn put_sketches(&self, sketches: &[OrderSketch]) -> Result<()> {
        if sketches.is_empty() {
            return Ok(());
        }
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            for s in sketches {
                write_sketch!(tx, s);
            }
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.duplicates.get_sketch", skip_all)]
    async fn get_sketch(&self, county: CountyId, order: OrderId) -> Result<Option<OrderSketch>> {
        const SQL: &str = "SELECT s.order_id, s.region_path, s.created_at, s.latitude, \
             s.longitude, s.address_key, s.method, s.sketch FROM order_sketches s \
             WHERE s.county_id = $1 AND s.order_id = $2";
        let row: Option<Row> = on_read!(self, |p| sqlx::query_as(SQL)
            .bind(county.0)
            .bind(order.0)
            .fetch_optional(p)
            .await)
        .map_err(db_err)?;
        Ok(row.map(Row::into_sketch))
    }

    #[tracing::instrument(name = "store.duplicates.open_sketches", skip_all)]
    async fn open_sketches(&self, queries: &[SketchQuery]) -> Result<Vec<OrderSketch>> {
        let queries: Vec<&SketchQuery> = queries
            .iter()
            .filter(|q| !matches!(&q.near, Near::AtAny(paths) if paths.is_empty()))
            .collect();
        if queries.is_empty() {
            return Ok(Vec::new());
        }
        // One statement for all the queries (one round trip at intake): each bounded by its
        // own index, newest first, up to its own limit.
        let rows: Vec<Row> = on_read!(self, |p| {
            let mut qb = QueryBuilder::new("");
            for (i, q) in queries.iter().enumerate() {
                if i > 0 {
                    qb.push(" UNION ALL ");
                }
                qb.push(format!("SELECT * FROM (SELECT {COLUMNS} FROM "));
                push_query(&mut qb, q);
                qb.push(format!(") AS q{i}"));
            }
            qb.build_query_as().fetch_all(p).await
        })
        .map_err(db_err)?;
        Ok(rows.into_iter().map(Row::into_sketch).collect())
    }

    #[tracing::instrument(name = "store.duplicates.orders_without_sketch", skip_all)]
    async fn orders_without_sketch(
        &self,
        county: CountyId,
        method: &str,
        since: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> Result<Vec<WorkOrder>> {
        let docs: Vec<Json<WorkOrder>> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT o.doc FROM work_orders o WHERE o.county_id = $4 AND o.created_at >= $1 \
             AND o.status NOT IN ('archived', 'merged') \
             AND NOT EXISTS (SELECT 1 FROM order_sketches s \
             WHERE s.county_id = o.county_id AND s.order_id = o.id AND s.method = $2) \
             ORDER BY o.created_at DESC LIMIT $3"
        )
        .bind(micros(since))
        .bind(method)
        .bind(i64::from(limit))
        .bind(county.0)
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        Ok(docs.into_iter().map(|d| d.0).collect())
    }
}

/// The body of one candidate query after `SELECT … FROM `: the tables, the conditions, the
/// order and the limit.
fn push_query<DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, q: &SketchQuery)
where
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    f64: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    i64: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    Uuid: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    // `t` is the table whose index bounds the query; its created_at orders the answer.
    let county = q.tree.county().0;
    let t = match &q.near {
        Near::Within(place) => {
            qb.push(
                "order_sketch_places x JOIN order_sketches s \
                 ON s.county_id = x.county_id AND s.order_id = x.order_id WHERE x.county_id = ",
            )
            .push_bind(county)
            .push(" AND x.place_path = ")
            .push_bind(place.as_str().to_owned());
            if q.unlocated_only {
                qb.push(" AND x.located = FALSE");
            }
            "x"
        }
        Near::Box {
            min_lat,
            max_lat,
            min_lon,
            max_lon,
        } => {
            qb.push("order_sketches s WHERE s.county_id = ")
                .push_bind(county)
                .push(" AND s.latitude IS NOT NULL AND s.latitude >= ")
                .push_bind(*min_lat)
                .push(" AND s.latitude <= ")
                .push_bind(*max_lat)
                .push(" AND s.longitude >= ")
                .push_bind(*min_lon)
                .push(" AND s.longitude <= ")
                .push_bind(*max_lon);
            "s"
        }
        Near::AtAny(paths) => {
            qb.push("order_sketches s WHERE s.county_id = ")
                .push_bind(county)
                .push(" AND s.region_path IN (");
            let mut sep = qb.separated(", ");
            for path in paths {
                sep.push_bind(path.as_str().to_owned());
            }
            qb.push(")");
            if q.unlocated_only {
                qb.push(" AND s.latitude IS NULL");
            }
            "s"
        }
        Near::Address(key) => {
            qb.push("order_sketches s WHERE s.county_id = ")
                .push_bind(county)
                .push(" AND s.address_key = ")
                .push_bind(key.clone());
            if q.unlocated_only {
                qb.push(" AND s.latitude IS NULL");
            }
            "s"
        }
    };
    qb.push(format!(" AND {t}.created_at >= "))
        .push_bind(micros(q.from))
        .push(format!(" AND {t}.created_at <= "))
        .push_bind(micros(q.to))
        .push(" AND s.method = ")
        .push_bind(q.method.clone())
        .push(" AND s.order_id <> ")
        .push_bind(q.exclude.0)
        .push(format!(" ORDER BY {t}.created_at DESC LIMIT "))
        .push_bind(i64::from(q.limit));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sketches_round_trip_as_bytes() {
        let s = vec![0, 1, u64::MAX, 0x0102_0304_0506_0708];
        assert_eq!(decode(&encode(&s)), s);
        assert_eq!(decode(&[1, 2, 3]), Vec::<u64>::new());
        assert!(decode(&[]).is_empty());
    }
}
