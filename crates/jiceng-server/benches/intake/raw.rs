//! The baseline: the same rows inserted with plain sqlx into a fresh database.

use super::*;

#[derive(sqlx::FromRow)]
pub(crate) struct OrderRow {
    county_id: Vec<u8>,
    id: Vec<u8>,
    number: String,
    status: String,
    channel: String,
    category: Option<String>,
    urgency: String,
    title: String,
    content: String,
    caller_phone: Option<String>,
    region_unit_id: Vec<u8>,
    region_path: String,
    lead_unit_id: Option<Vec<u8>>,
    lead_path: Option<String>,
    handling_due: Option<i64>,
    pending_extension: bool,
    created_by: Vec<u8>,
    created_at: i64,
    updated_at: i64,
    version: i64,
    doc: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct HistoryRow {
    county_id: Vec<u8>,
    order_id: Vec<u8>,
    seq: i64,
    at: i64,
    actor_id: Vec<u8>,
    actor_name: String,
    action: String,
    from_status: Option<String>,
    to_status: String,
    payload: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct KeyRow {
    county_id: Vec<u8>,
    user_id: Vec<u8>,
    key: String,
    order_id: Vec<u8>,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SketchRow {
    county_id: Vec<u8>,
    order_id: Vec<u8>,
    region_path: String,
    created_at: i64,
    latitude: Option<f64>,
    longitude: Option<f64>,
    address_key: Option<String>,
    method: String,
    sketch: Vec<u8>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct PlaceRow {
    county_id: Vec<u8>,
    place_path: String,
    created_at: i64,
    order_id: Vec<u8>,
    located: bool,
}

/// Everything one registration wrote: its order, history and idempotency rows, its text
/// sketch with a row per unit on its region's path, and its day.
pub(crate) struct Written {
    order: OrderRow,
    history: HistoryRow,
    key: KeyRow,
    sketch: SketchRow,
    places: Vec<PlaceRow>,
    day: String,
}

impl Written {
    /// Rows written for this order (the counter's upsert included).
    pub(crate) fn row_count(&self) -> usize {
        5 + self.places.len()
    }
}

/// Every row the query answers.
async fn all<T>(c: &mut SqliteConnection, sql: &'static str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    sqlx::query_as(sql).fetch_all(c).await.unwrap()
}

/// Rows with one per order, by the order's id.
fn by_order<T>(rows: Vec<T>, order_id: impl Fn(&T) -> &Vec<u8>) -> HashMap<Vec<u8>, T> {
    rows.into_iter()
        .map(|r| (order_id(&r).clone(), r))
        .collect()
}

/// Reads back, in commit order, the rows the API wrote, and checks there is one of each per order.
pub(crate) async fn written(db: &TestDb, n: usize) -> Vec<Written> {
    let mut c = connect(db).await;
    let orders: Vec<OrderRow> = all(&mut c, "SELECT * FROM work_orders ORDER BY rowid").await;
    let history: Vec<HistoryRow> = all(&mut c, "SELECT * FROM work_order_history").await;
    let keys: Vec<KeyRow> = all(&mut c, "SELECT * FROM idempotency_keys").await;
    let sketches: Vec<SketchRow> = all(&mut c, "SELECT * FROM order_sketches").await;
    let places: Vec<PlaceRow> = all(&mut c, "SELECT * FROM order_sketch_places").await;
    let counters: Vec<(String, i64)> =
        all(&mut c, "SELECT prefix, value FROM order_counters").await;
    assert_eq!(orders.len(), n, "work_orders rows");
    assert_eq!(history.len(), n, "work_order_history rows");
    assert_eq!(keys.len(), n, "idempotency_keys rows");
    assert_eq!(sketches.len(), n, "order_sketches rows");
    let counted: i64 = counters.iter().map(|(_, v)| v).sum();
    assert_eq!(counted, n as i64, "order_counters total");
    let mut history = by_order(history, |h| &h.order_id);
    let mut keys = by_order(keys, |k| &k.order_id);
    let mut sketches = by_order(sketches, |k| &k.order_id);
    let mut places_of: HashMap<Vec<u8>, Vec<PlaceRow>> = HashMap::new();
    for p in places {
        places_of.entry(p.order_id.clone()).or_default().push(p);
    }
    orders
        .into_iter()
        .map(|o| {
            let day = counters
                .iter()
                .map(|(d, _)| d)
                .find(|d| o.number.contains(d.as_str()))
                .unwrap()
                .clone();
            Written {
                history: history.remove(&o.id).unwrap(),
                key: keys.remove(&o.id).unwrap(),
                sketch: sketches.remove(&o.id).unwrap(),
                places: places_of.remove(&o.id).unwrap_or_default(),
                order: o,
                day,
            }
        })
        .collect()
}

/// A fresh migrated database holding the API database's units, users and roles.
pub(crate) async fn fresh_like(api_db: &TestDb) -> (TestDb, SqliteConnection) {
    let db = testing::sqlite().await;
    let mut c = connect(&db).await;
    sqlx::query("ATTACH DATABASE $1 AS src")
        .bind(file_of(api_db))
        .execute(&mut c)
        .await
        .unwrap();
    for t in ["org_units", "users", "user_roles"] {
        let sql = format!("INSERT INTO main.{t} SELECT * FROM src.{t}");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .unwrap();
    }
    sqlx::query("DETACH DATABASE src")
        .execute(&mut c)
        .await
        .unwrap();
    (db, c)
}

pub(crate) async fn insert_one(c: &mut SqliteConnection, w: &Written) {
    sqlx::query(
        "INSERT INTO order_counters (county_id, prefix, value) VALUES ($1, $2, 1) \
         ON CONFLICT (county_id, prefix) DO UPDATE SET value = order_counters.value + 1",
    )
    .bind(&w.order.county_id)
    .bind(&w.day)
    .execute(&mut *c)
    .await
    .unwrap();
    let o = &w.order;
    sqlx::query(
        "INSERT INTO work_orders (id, number, status, channel, category, urgency, title, content, \
         caller_phone, region_unit_id, region_path, lead_unit_id, lead_path, handling_due, \
         pending_extension, created_by, created_at, updated_at, version, doc, county_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(&o.id)
    .bind(&o.number)
    .bind(&o.status)
    .bind(&o.channel)
    .bind(&o.category)
    .bind(&o.urgency)
    .bind(&o.title)
    .bind(&o.content)
    .bind(&o.caller_phone)
    .bind(&o.region_unit_id)
    .bind(&o.region_path)
    .bind(&o.lead_unit_id)
    .bind(&o.lead_path)
    .bind(o.handling_due)
    .bind(o.pending_extension)
    .bind(&o.created_by)
    .bind(o.created_at)
    .bind(o.updated_at)
    .bind(o.version)
    .bind(&o.doc)
    .bind(&o.county_id)
    .execute(&mut *c)
    .await
    .unwrap();
    let h = &w.history;
    sqlx::query(
        "INSERT INTO work_order_history \
         (order_id, seq, at, actor_id, actor_name, action, from_status, to_status, payload, county_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&h.order_id)
    .bind(h.seq)
    .bind(h.at)
    .bind(&h.actor_id)
    .bind(&h.actor_name)
    .bind(&h.action)
    .bind(&h.from_status)
    .bind(&h.to_status)
    .bind(&h.payload)
    .bind(&h.county_id)
    .execute(&mut *c)
    .await
    .unwrap();
    let k = &w.key;
    sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, order_id, created_at, county_id) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&k.user_id)
    .bind(&k.key)
    .bind(&k.order_id)
    .bind(k.created_at)
    .bind(&k.county_id)
    .execute(&mut *c)
    .await
    .unwrap();
    let s = &w.sketch;
    sqlx::query(
        "INSERT INTO order_sketches (order_id, county_id, region_path, created_at, latitude, longitude, \
         address_key, method, sketch) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&s.order_id)
    .bind(&s.county_id)
    .bind(&s.region_path)
    .bind(s.created_at)
    .bind(s.latitude)
    .bind(s.longitude)
    .bind(&s.address_key)
    .bind(&s.method)
    .bind(&s.sketch)
    .execute(&mut *c)
    .await
    .unwrap();
    for p in &w.places {
        sqlx::query(
            "INSERT INTO order_sketch_places (place_path, created_at, order_id, located, county_id) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&p.place_path)
        .bind(p.created_at)
        .bind(&p.order_id)
        .bind(p.located)
        .bind(&p.county_id)
        .execute(&mut *c)
        .await
        .unwrap();
    }
}

pub(crate) async fn count(c: &mut SqliteConnection, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(c)
        .await
        .unwrap()
}

/// Inserts every order's rows through one connection: one transaction per order, or one for all.
pub(crate) async fn raw_insert(api_db: &TestDb, rows: &[Written], per_order: bool) -> Duration {
    let (_db, mut c) = fresh_like(api_db).await;
    let started = Instant::now();
    if per_order {
        for w in rows {
            let mut tx = c.begin().await.unwrap();
            insert_one(&mut tx, w).await;
            tx.commit().await.unwrap();
        }
    } else {
        let mut tx = c.begin().await.unwrap();
        for w in rows {
            insert_one(&mut tx, w).await;
        }
        tx.commit().await.unwrap();
    }
    let elapsed = started.elapsed();
    for t in [
        "work_orders",
        "work_order_history",
        "idempotency_keys",
        "order_sketches",
    ] {
        assert_eq!(count(&mut c, t).await, rows.len() as i64, "raw {t}");
    }
    c.close().await.unwrap();
    elapsed
}

/// The order and history entry the store had in hand for a registration, from its rows.
fn step_of(
    w: &Written,
) -> (
    jiceng_orders::work_order::WorkOrder,
    jiceng_orders::work_order::HistoryEntry,
) {
    use jiceng_orders::work_order::{HistoryEntry, Status, WorkOrder};
    let order: WorkOrder = serde_json::from_str(&w.order.doc).unwrap();
    let h = &w.history;
    let entry = HistoryEntry {
        seq: u32::try_from(h.seq).unwrap(),
        at: chrono::DateTime::from_timestamp_micros(h.at).unwrap(),
        actor: jiceng_kernel::ids::UserId(uuid::Uuid::from_slice(&h.actor_id).unwrap()),
        actor_name: h.actor_name.clone(),
        action: h.action.clone(),
        from_status: h.from_status.as_deref().and_then(Status::parse),
        to_status: Status::parse(&h.to_status).unwrap(),
        payload: serde_json::from_str(&h.payload).unwrap(),
    };
    (order, entry)
}

/// The audit entry's own cost: the same per-order transactions through one connection into
/// one fresh database, every other order with the entry appended by the store's own append
/// (its head guess starting empty, as in a freshly started server) and the others without:
/// (time of the orders without, time of those with), each scaled to all the orders. Both
/// halves share the connection's worker thread and the database as it grows, and take turns
/// to go first; two connections, one per half, differed by up to 40 % with the same work,
/// depending on where the scheduler put their worker threads.
pub(crate) async fn raw_insert_audit_pairs(
    api_db: &TestDb,
    rows: &[Written],
) -> (Duration, Duration) {
    use jiceng_store::audit::{AppendAudit, HeadHint};
    let steps: Vec<_> = rows.iter().map(step_of).collect();
    let (_db, mut c) = fresh_like(api_db).await;
    let head = HeadHint::default();
    let (mut without, mut with) = (Duration::ZERO, Duration::ZERO);
    let (mut n_without, mut n_with) = (0u32, 0u32);
    for (pair, (ws, ss)) in rows.chunks(2).zip(steps.chunks(2)).enumerate() {
        for (i, (w, (order, entry))) in ws.iter().zip(ss).enumerate() {
            let started = Instant::now();
            let mut tx = c.begin().await.unwrap();
            insert_one(&mut tx, w).await;
            if (i + pair) % 2 == 1 {
                // Built inside the transaction, as the store builds it.
                let r = jiceng_orders::work_order::audit_records::order_step(order, entry);
                tx.append_audit(&head, &[r]).await.unwrap();
                tx.commit().await.unwrap();
                with += started.elapsed();
                n_with += 1;
            } else {
                tx.commit().await.unwrap();
                without += started.elapsed();
                n_without += 1;
            }
        }
    }
    for t in [
        "work_orders",
        "work_order_history",
        "idempotency_keys",
        "order_sketches",
    ] {
        assert_eq!(count(&mut c, t).await, rows.len() as i64, "raw {t}");
    }
    assert_eq!(count(&mut c, "audit_log").await, i64::from(n_with));
    c.close().await.unwrap();
    let n = rows.len() as u32;
    (without / n_without.max(1) * n, with / n_with.max(1) * n)
}
