//! A province on one PostgreSQL database: 100 counties and 10,000,000 orders (set
//! `JICENG_BENCH_ORDERS` for another total), beside ONE county of the same size alone in its own
//! database, measured in the same run: intake through the real commit path, a handler's inbox,
//! a sweep tick's read of due clocks; then two counties' intake in parallel against one's alone.
//!
//! PostgreSQL only (`JICENG_BENCH_POSTGRES_URL` or `JICENG_TEST_POSTGRES_URL`). The counties are
//! real (the NBS 2023 division codes of Sichuan in ../shared/data, with their real towns); each
//! gets communities, grids and departments. Orders are generated in the database in bulk from
//! one order per county stored through the commit path (its document, history and clock rows),
//! varying id, number, status, dates, region, lead and co-units in SQL (the other fields, the
//! clocks and the deadline in the document stay the model's, whatever the status). The progress
//! of the generation shows on a terminal (stderr). The databases are kept
//! between runs (`jiceng_bench_province_<orders>`, `jiceng_bench_county_<orders per county>`)
//! and reused when complete; `JICENG_BENCH_REGENERATE=1` drops and rebuilds them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use jiceng_accounts::ports::{OrgStore, UnitQuery};
use jiceng_kernel::calendar::TimeLimit;
use jiceng_kernel::ids::{CountyId, OrderId, UserId};
use jiceng_kernel::org::{OrgKind, OrgUnit};
use jiceng_kernel::subject::SubjectKind;
use jiceng_orders::effects::Effects;
use jiceng_orders::ports::{CommitStore, OrderQuery, WorkOrderStore};
use jiceng_orders::sla::{ClockKind, SlaClock, SlaPolicies, SlaStore};
use jiceng_orders::work_order::register::IntakeForm;
use jiceng_orders::work_order::{
    Assignee, Capacity, CoUnit, Command, HistoryEntry, NewWorkOrder, Status, WorkOrder, decide,
};
use jiceng_store::SqlStore;
use sqlx::{Connection, PgConnection};
use std::sync::Arc;
use std::time::Instant;

const COUNTIES: usize = 100;
const TOWNS: usize = 4;
const COMMUNITIES: usize = 2;
const GRIDS: usize = 2;
const DEPARTMENTS: [&str; 8] = [
    "住房和城乡建设局",
    "综合行政执法局",
    "交通运输局",
    "生态环境局",
    "水务局",
    "市场监督管理局",
    "卫生健康局",
    "教育局",
];
const INTAKE: usize = 2_000;
const INBOX_REQUESTS: usize = 400;
const SWEEP_READS: usize = 100;
const CHUNK: i64 = 20_000;
const ROUNDS: usize = 4;
/// Generated orders span the year before this instant; the sweep reads as of it.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
}

/// Local midnight (Beijing) a year before [`now`]: the first generated day.
fn first_day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 30, 16, 0, 0).unwrap()
}

const DAYS: i64 = 365;

struct County {
    unit: OrgUnit,
    code: String,
    /// Every unit of the county, parents first.
    units: Vec<OrgUnit>,
    grids: Vec<OrgUnit>,
    departments: Vec<OrgUnit>,
}

impl County {
    fn id(&self) -> CountyId {
        CountyId(self.unit.id.0)
    }
}

fn assignee(u: &OrgUnit) -> Assignee {
    Assignee {
        unit_id: u.id,
        unit_name: u.name.clone(),
        unit_path: u.path.clone(),
    }
}

/// The division codes in ../shared/data beside the checkout (`JICENG_SHARED_DATA` names the
/// data folder when the checkout is elsewhere, e.g. a worktree).
fn data_dir() -> std::path::PathBuf {
    std::env::var_os("JICENG_SHARED_DATA")
        .map_or_else(
            || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
            std::path::PathBuf::from,
        )
        .join("admin-divisions-cn/nbs-2023")
}

fn csv_rows(file: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(data_dir().join(file)).expect("../shared/data present");
    text.lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|f| f.trim_matches('"').to_owned())
                .collect()
        })
        .collect()
}

type Division = (String, String, Vec<(String, String)>);

/// The first `n` counties of Sichuan (51) that have at least `TOWNS` towns, with their first
/// towns.
fn divisions(n: usize) -> Vec<Division> {
    let streets = csv_rows("streets.csv");
    let mut out = Vec::new();
    for a in csv_rows("areas.csv") {
        if !a[0].starts_with("51") {
            continue;
        }
        let towns: Vec<(String, String)> = streets
            .iter()
            .filter(|s| s[2] == a[0])
            .take(TOWNS)
            .map(|s| (s[0].clone(), s[1].clone()))
            .collect();
        if towns.len() == TOWNS {
            out.push((a[0].clone(), a[1].clone(), towns));
        }
        if out.len() == n {
            break;
        }
    }
    assert_eq!(out.len(), n, "enough counties in the division codes");
    out
}

fn unit(parent: Option<&OrgUnit>, kind: OrgKind, name: &str, code: Option<&str>) -> OrgUnit {
    jiceng_store::testing::unit(parent, kind, name, code)
}

/// The org trees of `n` counties (not stored).
fn org(n: usize) -> Vec<County> {
    divisions(n)
        .into_iter()
        .map(|(code, name, towns)| {
            let county = unit(None, OrgKind::County, &name, Some(&code));
            let mut units = vec![county.clone()];
            let mut grids = Vec::new();
            for (tcode, tname) in towns {
                let town = unit(Some(&county), OrgKind::Town, &tname, Some(&tcode));
                units.push(town.clone());
                for c in 0..COMMUNITIES {
                    let community = unit(
                        Some(&town),
                        OrgKind::Community,
                        &format!("{tname}第{}社区", c + 1),
                        None,
                    );
                    units.push(community.clone());
                    for g in 0..GRIDS {
                        let grid = unit(
                            Some(&community),
                            OrgKind::Grid,
                            &format!("{}第{}网格", community.name, g + 1),
                            None,
                        );
                        units.push(grid.clone());
                        grids.push(grid);
                    }
                }
            }
            let departments: Vec<OrgUnit> = DEPARTMENTS
                .iter()
                .map(|d| unit(Some(&county), OrgKind::Department, d, None))
                .collect();
            units.extend(departments.iter().cloned());
            County {
                unit: county,
                code,
                units,
                grids,
                departments,
            }
        })
        .collect()
}

/// A registration as intake builds it, dispatched at once with a co-unit and a running
/// handling clock: two history entries, a co-unit row and a clock row.
fn registration(
    c: &County,
    by: UserId,
    i: usize,
    at: DateTime<Utc>,
) -> (WorkOrder, Vec<HistoryEntry>) {
    let (o, e1) = NewWorkOrder::parse(IntakeForm {
        content: "小区门口路灯不亮已一周，夜间出行不便，请尽快维修",
        caller_phone: Some("13800001111"),
        ..Default::default()
    })
    .unwrap()
    .into_order(
        OrderId::new_at(at),
        String::new(),
        assignee(&c.grids[i % c.grids.len()]),
        by,
        "接线员",
        at,
    );
    let lead = &c.departments[i % c.departments.len()];
    let co = &c.departments[(i + 1) % c.departments.len()];
    let cap = Capacity {
        user: Some(by),
        user_name: "接线员".into(),
        dispatcher: true,
        ..Default::default()
    };
    let out = decide(
        &o,
        Command::Dispatch {
            lead: assignee(lead),
            co_units: vec![assignee(co)],
            note: None,
        },
        &cap,
        at,
    )
    .unwrap();
    let mut o = out.order;
    let policies = SlaPolicies::china();
    let k = SlaClock::start(
        ClockKind::Handling,
        1,
        assignee(lead),
        TimeLimit::WorkingDays(15),
        "bench".into(),
        at,
        &policies.default,
    )
    .unwrap();
    o.handling_due = Some(k.deadline);
    o.clocks.handling = Some(k);
    (o, vec![e1, out.entry])
}

fn prefix(c: &County, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    format!("JC{}{}", c.code, local.format("%Y%m%d"))
}

fn admin_url() -> Option<String> {
    std::env::var("JICENG_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var(jiceng_store::testing::POSTGRES_ENV))
        .ok()
}

struct Db {
    name: String,
    store: Arc<SqlStore>,
    url: String,
    counties: Vec<County>,
    user: UserId,
    /// Seconds spent generating it in this run (none when reused).
    load_s: Option<f64>,
}

/// The common head of the generating statements: the orders `$4 .. $5` of county `$1` (its
/// index `$3`), copied from its stored order `$2`, `$6` a day from the local midnight `$7`;
/// `$8` regions (grids), `$9` lead units (departments), `$10` co-units (the next department),
/// `$11` the county code, `$12` the statuses, `$13` the instant the sweep reads at.
const GEN: &str = "WITH g AS (
    SELECT i, $1::uuid AS cid, $2::uuid AS tid,
        ($12::text[])[1 + (i % array_length($12::text[], 1))] AS status,
        $7::bigint + (i / $6::bigint) * 86400000000 + (i % $6::bigint) * (86400000000 / $6::bigint) AS at,
        ((i / 80) % jsonb_array_length($8::jsonb))::int AS ri,
        ((i / 10) % jsonb_array_length($9::jsonb))::int AS li
    FROM generate_series($4::bigint, $5::bigint - 1) i
), h AS (
    SELECT g.*,
        g.status NOT IN ('registered', 'returned') AS has_lead,
        g.status NOT IN ('registered', 'returned') AND g.i % 3 = 0 AS has_co,
        g.status IN ('dispatched', 'handling', 'suspended', 'pending_review') AS running,
        (substr(x.hx, 1, 8) || '-' || substr(x.hx, 9, 4) || '-7' || lpad(to_hex($3::int), 3, '0')
            || '-8000-' || lpad(to_hex(g.i), 12, '0'))::uuid AS id,
        'JC' || $11::text || to_char(to_timestamp(g.at / 1e6) AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')
            || lpad(((g.i % $6::bigint) + 1)::text, 6, '0') AS number,
        $8::jsonb -> g.ri AS region, $9::jsonb -> g.li AS lead, $10::jsonb -> g.li AS co,
        $13::bigint AS sweep_at
    FROM g, LATERAL (SELECT lpad(to_hex(g.at / 1000), 12, '0') AS hx) x
) ";

const GEN_ORDERS: &str = "INSERT INTO work_orders (id, number, status, channel, category, urgency, title, content, \
    caller_phone, region_unit_id, region_path, lead_unit_id, lead_path, handling_due, pending_extension, created_by, \
    created_at, updated_at, version, doc, due_at, tracking_hash, county_id)
SELECT h.id, h.number, h.status, t.channel, t.category, t.urgency, t.title, t.content, t.caller_phone,
    (h.region ->> 'unit_id')::uuid, h.region ->> 'unit_path',
    CASE WHEN h.has_lead THEN (h.lead ->> 'unit_id')::uuid END,
    CASE WHEN h.has_lead THEN h.lead ->> 'unit_path' END,
    t.handling_due, FALSE, t.created_by, h.at, h.at + 3600000000, CASE WHEN h.has_lead THEN 2 ELSE 1 END,
    jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(t.doc,
        '{id}', to_jsonb(h.id::text)),
        '{number}', to_jsonb(h.number)),
        '{status}', to_jsonb(h.status)),
        '{created_at}', to_jsonb(to_char(to_timestamp(h.at / 1e6) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))),
        '{updated_at}', to_jsonb(to_char(to_timestamp((h.at + 3600000000) / 1e6) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))),
        '{region}', h.region),
        '{lead}', CASE WHEN h.has_lead THEN h.lead ELSE 'null'::jsonb END),
        '{co_units}', CASE WHEN h.has_co THEN jsonb_build_array(h.co) ELSE '[]'::jsonb END),
        '{version}', to_jsonb(CASE WHEN h.has_lead THEN 2 ELSE 1 END)),
    t.due_at, NULL, t.county_id
FROM h JOIN work_orders t ON t.county_id = h.cid AND t.id = h.tid";

const GEN_HISTORY: &str = "INSERT INTO work_order_history (order_id, seq, at, actor_id, actor_name, action, \
    from_status, to_status, payload, county_id)
SELECT h.id, e.seq, h.at + (e.seq - 1) * 60000000, e.actor_id, e.actor_name, e.action, e.from_status, e.to_status,
    e.payload, e.county_id
FROM h JOIN work_order_history e ON e.county_id = h.cid AND e.order_id = h.tid AND (e.seq = 1 OR h.has_lead)";

const GEN_CLOCKS: &str = "INSERT INTO sla_clocks (subject_kind, subject_id, clock, generation, unit_id, unit_name, \
    unit_path, time_limit, started_at, deadline, paused_at, stopped_at, worked_secs, on_time, next_step, next_due, \
    state, county_id)
SELECT k.subject_kind, h.id, k.clock, k.generation, (h.lead ->> 'unit_id')::uuid, h.lead ->> 'unit_name',
    h.lead ->> 'unit_path', k.time_limit, h.at, h.at + (k.deadline - k.started_at), NULL, NULL, NULL, NULL,
    k.next_step, h.sweep_at - 6 * 86400000000::bigint + (((h.i / 10) * 7919) % 30) * 86400000000::bigint + (h.i % 86400) * 1000000,
    k.state, k.county_id
FROM h JOIN sla_clocks k ON k.county_id = h.cid AND k.subject_id = h.tid
WHERE h.running";

const GEN_CO_UNITS: &str = "INSERT INTO work_order_co_units (order_id, unit_id, unit_path, accepted, replied, county_id)
SELECT h.id, (h.co -> 'unit' ->> 'unit_id')::uuid, h.co -> 'unit' ->> 'unit_path', FALSE, FALSE, h.cid
FROM h WHERE h.has_co";

/// The database `name` holding `counties` counties of `per` generated orders each: reused when
/// complete, else (re)generated.
async fn database(name: &str, counties: usize, per: i64) -> Db {
    let admin_url = admin_url().unwrap();
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    let url = jiceng_store::testing::replace_database(&admin_url, name);
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut admin)
            .await
            .unwrap();
    let regenerate = std::env::var("JICENG_BENCH_REGENERATE").is_ok_and(|v| v == "1");
    if exists && !regenerate {
        let mut c = PgConnection::connect(&url).await.unwrap();
        let done: Option<(i64, i64)> =
            sqlx::query_as("SELECT counties, orders FROM jiceng_bench_generated WHERE complete")
                .fetch_optional(&mut c)
                .await
                .ok()
                .flatten();
        if done == Some((counties as i64, per)) {
            eprintln!(
                "{name}: reusing the generated database ({counties} counties × {per} orders)"
            );
            let store = Arc::new(SqlStore::connect(&url).await.unwrap());
            // Migrations added since the database was generated.
            store.migrate().await.unwrap();
            let counties = reread(&store).await;
            let user: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users LIMIT 1")
                .fetch_one(&mut c)
                .await
                .unwrap();
            return Db {
                name: name.into(),
                store,
                url,
                counties,
                user: UserId(user),
                load_s: None,
            };
        }
        let _ = c.close().await;
    }
    if exists {
        eprintln!("{name}: dropping it to generate it again");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await
        .unwrap();
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let t = Instant::now();
    let store = Arc::new(SqlStore::connect(&url).await.unwrap());
    store.migrate().await.unwrap();
    let mut c = PgConnection::connect(&url).await.unwrap();
    sqlx::query(
        "CREATE TABLE jiceng_bench_generated (counties BIGINT NOT NULL, orders BIGINT NOT NULL, \
         complete BOOLEAN NOT NULL)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let trees = org(counties);
    let mut user = None;
    for county in &trees {
        store.insert_units(&county.units).await.unwrap();
        if user.is_none() {
            user = Some(jiceng_store::testing::insert_operator(&store, &county.unit).await);
        }
    }
    let user = user.unwrap();
    let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    let per_day = (per + DAYS - 1) / DAYS;
    let bar = ProgressBar::new((counties as i64 * per) as u64).with_style(
        ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} orders ({per_sec}, {eta} left)",
        )
        .unwrap(),
    );
    bar.set_message(format!("generating {name}"));
    for (ci, county) in trees.iter().enumerate() {
        // The county's model order, stored through the commit path the day before the first.
        let at = first_day() - Span::hours(12);
        let (o, history) = registration(county, user, 0, at);
        let template = o.id;
        store
            .commit(Effects::new(at).new_order(o, history, prefix(county, at)))
            .await
            .unwrap();
        let regions: Vec<serde_json::Value> = county
            .grids
            .iter()
            .map(|g| serde_json::to_value(assignee(g)).unwrap())
            .collect();
        let leads: Vec<serde_json::Value> = county
            .departments
            .iter()
            .map(|d| serde_json::to_value(assignee(d)).unwrap())
            .collect();
        let co: Vec<serde_json::Value> = (0..county.departments.len())
            .map(|k| {
                serde_json::to_value(CoUnit {
                    unit: assignee(&county.departments[(k + 1) % county.departments.len()]),
                    accepted: false,
                    reply: None,
                })
                .unwrap()
            })
            .collect();
        let mut from = 0;
        while from < per {
            let to = (from + CHUNK).min(per);
            let mut tx = c.begin().await.unwrap();
            for stmt in [GEN_ORDERS, GEN_HISTORY, GEN_CLOCKS, GEN_CO_UNITS] {
                sqlx::query(sqlx::AssertSqlSafe(format!("{GEN}{stmt}")))
                    .bind(county.unit.id.0)
                    .bind(template.0)
                    .bind(ci as i32)
                    .bind(from)
                    .bind(to)
                    .bind(per_day)
                    .bind(first_day().timestamp_micros())
                    .bind(serde_json::Value::Array(regions.clone()))
                    .bind(serde_json::Value::Array(leads.clone()))
                    .bind(serde_json::Value::Array(co.clone()))
                    .bind(&county.code)
                    .bind(statuses.clone())
                    .bind(now().timestamp_micros())
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
            bar.inc((to - from) as u64);
            from = to;
        }
    }
    bar.finish();
    eprintln!("{name}: analyzing");
    sqlx::query("ANALYZE").execute(&mut c).await.unwrap();
    sqlx::query("INSERT INTO jiceng_bench_generated VALUES ($1, $2, TRUE)")
        .bind(counties as i64)
        .bind(per)
        .execute(&mut c)
        .await
        .unwrap();
    Db {
        name: name.into(),
        store,
        url,
        counties: trees,
        user,
        load_s: Some(t.elapsed().as_secs_f64()),
    }
}

/// The counties of a generated database, read back from its units (in code order).
async fn reread(store: &SqlStore) -> Vec<County> {
    let mut roots = store.counties().await.unwrap();
    roots.sort_by(|a, b| a.code.cmp(&b.code));
    let mut out = Vec::new();
    for root in roots {
        let all = store
            .list_units(&UnitQuery {
                scope: vec![root.path.clone()],
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        let of = |k: OrgKind| -> Vec<OrgUnit> {
            let mut v: Vec<OrgUnit> = all.iter().filter(|u| u.kind == k).cloned().collect();
            v.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
            v
        };
        out.push(County {
            code: root.code.clone().unwrap_or_default(),
            units: all.clone(),
            grids: of(OrgKind::Grid),
            departments: of(OrgKind::Department),
            unit: root,
        });
    }
    out
}

fn percentile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Registers `n` orders one by one in a county through the commit path; orders per second.
async fn intake(db: &Db, county: usize, n: usize) -> f64 {
    let c = &db.counties[county];
    let t = Instant::now();
    for i in 0..n {
        let at = Utc::now();
        let (o, history) = registration(c, db.user, i, at);
        db.store
            .commit(Effects::new(at).new_order(o, history, prefix(c, at)))
            .await
            .unwrap();
    }
    n as f64 / t.elapsed().as_secs_f64()
}

/// A handler's inbox (to handle: handling or suspended orders led by the unit, newest 20)
/// of each department in turn: the latencies in ms.
async fn inbox(db: &Db, county: usize, n: usize) -> Vec<f64> {
    let c = &db.counties[county];
    let mut ms = Vec::with_capacity(n);
    for r in 0..n {
        let d = &c.departments[r % c.departments.len()];
        let q = OrderQuery {
            scope: vec![d.path.clone()],
            counties: vec![c.id()],
            lead_scope: Some(vec![d.path.clone()]),
            statuses: vec![Status::Handling, Status::Suspended],
            limit: 20,
            ..Default::default()
        };
        let t = Instant::now();
        let page = db.store.list_orders(&q).await.unwrap();
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(!page.is_empty(), "an inbox with orders");
    }
    ms
}

/// A sweep tick's read: the county's first 500 due clocks. The latencies in ms.
async fn sweep(db: &Db, county: usize, n: usize) -> (Vec<f64>, usize) {
    let c = &db.counties[county];
    let mut ms = Vec::with_capacity(n);
    let mut due = 0;
    for _ in 0..n {
        let t = Instant::now();
        let v = db
            .store
            .due_clocks(c.id(), now(), 500, &[SubjectKind::WORK_ORDER])
            .await
            .unwrap();
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        due = v.len();
    }
    (ms, due)
}

/// One county's audit verification: its chain walked from the genesis, entry by entry (no
/// checkpoint is signed in these databases). The times in ms and the entries walked.
async fn verify_county(db: &Db, county: usize, n: usize) -> (Vec<f64>, u64) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let chain = jiceng_kernel::audit::chain::Chain::County(db.counties[county].id());
    let mut ms = Vec::with_capacity(n);
    let mut entries = 0;
    for _ in 0..n {
        let t = Instant::now();
        let r = jiceng_orders::use_cases::verify_log(db.store.as_ref(), &key, &[], Some(chain))
            .await
            .unwrap();
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(r.ok(), "{r:?}");
        entries = r.entries();
    }
    (ms, entries)
}

async fn size_mb(db: &Db) -> f64 {
    let mut c = PgConnection::connect(&db.url).await.unwrap();
    let b: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&mut c)
        .await
        .unwrap();
    b as f64 / 1e6
}

async fn orders_in(db: &Db) -> i64 {
    let mut c = PgConnection::connect(&db.url).await.unwrap();
    sqlx::query_scalar("SELECT count(*) FROM work_orders")
        .fetch_one(&mut c)
        .await
        .unwrap()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::main]
async fn main() {
    if admin_url().is_none() {
        println!(
            "Province benchmark skipped: PostgreSQL only, set JICENG_BENCH_POSTGRES_URL or JICENG_TEST_POSTGRES_URL."
        );
        return;
    }
    let total: i64 = std::env::var("JICENG_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let per = total / COUNTIES as i64;
    let load_before = loadavg();
    let province = database(&format!("jiceng_bench_province_{total}"), COUNTIES, per).await;
    let alone = database(&format!("jiceng_bench_county_{per}"), 1, per).await;
    // Both databases' first county is the same real county; the parallel pair is the first two.
    // Warm-up, unreported: the process, the pools and the caches of both.
    for db in [&alone, &province] {
        intake(db, 0, 100).await;
        inbox(db, 0, 40).await;
        sweep(db, 0, 10).await;
    }
    eprintln!("measuring");
    // In rounds, alternating which database goes first, so that drifts of the shared machine's
    // load fall on both alike.
    let (mut intake_alone, mut intake_province) = (0.0, 0.0);
    let (mut inbox_alone, mut inbox_province) = (Vec::new(), Vec::new());
    let (mut sweep_alone, mut sweep_province) = (Vec::new(), Vec::new());
    let (mut due_alone, mut due_province) = (0, 0);
    for round in 0..ROUNDS {
        let order: [(&Db, bool); 2] = if round % 2 == 0 {
            [(&alone, true), (&province, false)]
        } else {
            [(&province, false), (&alone, true)]
        };
        for (db, is_alone) in order {
            let secs = (INTAKE / ROUNDS) as f64 / intake(db, 0, INTAKE / ROUNDS).await;
            let ms = inbox(db, 0, INBOX_REQUESTS / ROUNDS).await;
            let (sw, due) = sweep(db, 0, SWEEP_READS / ROUNDS).await;
            if is_alone {
                intake_alone += secs;
                inbox_alone.extend(ms);
                sweep_alone.extend(sw);
                due_alone = due;
            } else {
                intake_province += secs;
                inbox_province.extend(ms);
                sweep_province.extend(sw);
                due_province = due;
            }
        }
    }
    // The county's chain now holds what the intake wrote (the entries of earlier runs are in the
    // log closed by migration 0019): the same on both sides.
    let (mut verify_alone, mut verify_province) = (Vec::new(), Vec::new());
    let (mut entries_alone, mut entries_province) = (0, 0);
    for round in 0..ROUNDS {
        let order = if round % 2 == 0 {
            [&alone, &province]
        } else {
            [&province, &alone]
        };
        for db in order {
            let (ms, n) = verify_county(db, 0, 2).await;
            if std::ptr::eq(db, &alone) {
                verify_alone.extend(ms);
                entries_alone = n;
            } else {
                verify_province.extend(ms);
                entries_province = n;
            }
        }
    }
    let intake_alone = INTAKE as f64 / intake_alone;
    let intake_province = INTAKE as f64 / intake_province;
    // Two counties of the province at once, each its own task, against one alone just before.
    let one = intake(&province, 1, INTAKE).await;
    let province = Arc::new(province);
    let t = Instant::now();
    let tasks: Vec<_> = [1usize, 2]
        .into_iter()
        .map(|k| {
            let p = province.clone();
            tokio::spawn(async move { intake(&p, k, INTAKE).await })
        })
        .collect();
    let mut each = Vec::new();
    for task in tasks {
        each.push(task.await.unwrap());
    }
    let both = (2 * INTAKE) as f64 / t.elapsed().as_secs_f64();
    let load_after = loadavg();

    let (pc, ac) = (&province.counties[0], &alone.counties[0]);
    assert_eq!(pc.code, ac.code);
    println!(
        "# Province: one county among 100 on one PostgreSQL database, beside one county alone\n"
    );
    println!(
        "Scale: {total} generated orders over {COUNTIES} counties ({per} per county; {} orders in the province database now, \
         {} MB; {} in the single-county database, {} MB), real counties of Sichuan with their real towns (NBS 2023 codes), \
         each with {} communities, {} grids and {} departments. Orders are in every status (one tenth each) with their \
         history (1 or 2 entries), a running handling clock for dispatched, handling, suspended and pending-review orders \
         (a fifth of them due at the sweep's instant) and a co-unit for a third of the dispatched ones. Generated in the \
         database from one order per county stored through the commit path{}.\n",
        orders_in(&province).await,
        size_mb(&province).await.round(),
        orders_in(&alone).await,
        size_mb(&alone).await.round(),
        TOWNS * COMMUNITIES,
        TOWNS * COMMUNITIES * GRIDS,
        DEPARTMENTS.len(),
        match (province.load_s, alone.load_s) {
            (Some(a), Some(b)) => format!(" (this run: {a:.0} s and {b:.0} s)"),
            (Some(a), None) => format!(" (this run: {a:.0} s; the single county's reused)"),
            (None, Some(b)) => format!(
                " (the province's reused from an earlier run; the single county's this run: {b:.0} s)"
            ),
            (None, None) => " (both reused from an earlier run)".into(),
        }
    );
    println!(
        "Measured: {} ({}) alone in `{}` and the same county among {COUNTIES} in `{}`, in this run, in {ROUNDS} rounds that \
         alternate which database goes first, after an unreported warm-up of each; the intake ratio is of time per order. Machine: 2 logical CPUs shared by PostgreSQL, this process and other work \
         (load average {load_before} before, {load_after} after).\n",
        pc.unit.name, pc.code, alone.name, province.name
    );
    println!(
        "| measure | 1 county alone | 1 county of {COUNTIES} | cost among {COUNTIES} ÷ cost alone (target ≤ 1.2) |"
    );
    println!("|---|---|---|---|");
    println!(
        "| intake: {INTAKE} registrations through `commit` (order, 2 history entries, co-unit, clock row, audit entries, counter), orders/s | {intake_alone:.0} | {intake_province:.0} | {:.2} |",
        intake_alone / intake_province
    );
    println!(
        "| handler's inbox: `list_orders` to handle, one department, 20 newest, {INBOX_REQUESTS} requests, p95 ms | {:.2} | {:.2} | {:.2} |",
        percentile(&inbox_alone, 0.95),
        percentile(&inbox_province, 0.95),
        percentile(&inbox_province, 0.95) / percentile(&inbox_alone, 0.95)
    );
    println!(
        "| (inbox p50 ms) | {:.2} | {:.2} | {:.2} |",
        percentile(&inbox_alone, 0.5),
        percentile(&inbox_province, 0.5),
        percentile(&inbox_province, 0.5) / percentile(&inbox_alone, 0.5)
    );
    println!(
        "| sweep tick's read: `due_clocks(county, now, 500, [work_order])`, {SWEEP_READS} reads ({due_alone} and {due_province} due clocks), p50 ms | {:.2} | {:.2} | {:.2} |",
        percentile(&sweep_alone, 0.5),
        percentile(&sweep_province, 0.5),
        percentile(&sweep_province, 0.5) / percentile(&sweep_alone, 0.5)
    );
    println!(
        "| (sweep read p95 ms) | {:.2} | {:.2} | {:.2} |",
        percentile(&sweep_alone, 0.95),
        percentile(&sweep_province, 0.95),
        percentile(&sweep_province, 0.95) / percentile(&sweep_alone, 0.95)
    );
    println!(
        "| one county's audit verification: its chain walked from the genesis ({entries_alone} and {entries_province} entries), median ms | {:.1} | {:.1} | {:.2} |",
        percentile(&verify_alone, 0.5),
        percentile(&verify_province, 0.5),
        percentile(&verify_province, 0.5) / percentile(&verify_alone, 0.5)
    );
    println!();
    println!("| two counties' intake in parallel (province database) | orders/s |");
    println!("|---|---|");
    println!(
        "| one county alone ({}), just before | {one:.0} |",
        province.counties[1].unit.name
    );
    println!(
        "| two counties at once ({} and {}), each task | {:.0} and {:.0} |",
        province.counties[1].unit.name, province.counties[2].unit.name, each[0], each[1]
    );
    println!(
        "| two counties at once, together | {both:.0} |\n\nSpeed-up of two counties in parallel over one alone: {:.2}× (target ≥ 1.7×).",
        both / one
    );
}
