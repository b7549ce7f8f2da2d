//! Storage benchmark on SQLite: the adapter's bulk unit insert beside a raw insert of the same
//! rows into the same schema (the baseline), and a jurisdiction-scoped list beside an
//! unscoped one. Prints a Markdown report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use jiceng_accounts::ports::{OrgStore, UnitQuery};
use jiceng_kernel::org::{OrgKind, OrgUnit};
use sqlx::Connection;
use std::time::{Duration, Instant};

mod common;

use common::unit;

const TOWNS: usize = 40;
const COMMUNITIES: usize = 25;
const GRIDS: usize = 20;

/// A county of 40 towns × 25 communities × 20 grids: 21,041 units.
fn tree() -> Vec<OrgUnit> {
    let county = unit(None, OrgKind::County, "县".into());
    let mut out = vec![county.clone()];
    for t in 0..TOWNS {
        let town = unit(Some(&county), OrgKind::Town, format!("第{t}镇"));
        out.push(town.clone());
        for c in 0..COMMUNITIES {
            let comm = unit(Some(&town), OrgKind::Community, format!("第{t}镇第{c}社区"));
            out.push(comm.clone());
            for g in 0..GRIDS {
                out.push(unit(
                    Some(&comm),
                    OrgKind::Grid,
                    format!("第{t}镇第{c}社区第{g}网格"),
                ));
            }
        }
    }
    out
}

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let units = tree();
    let n = units.len();

    let db = jiceng_store::testing::sqlite().await;
    let start = Instant::now();
    db.store.insert_units(&units).await.unwrap();
    let adapter = start.elapsed();

    // Baseline: the same rows, same schema, one transaction, straight through sqlx.
    let raw_db = jiceng_store::testing::sqlite().await;
    let mut conn = sqlx::SqliteConnection::connect(&raw_db.url).await.unwrap();
    let start = Instant::now();
    let mut tx = conn.begin().await.unwrap();
    for u in &units {
        sqlx::query(
            "INSERT INTO org_units (id, parent_id, kind, name, code, path, geometry, created_at) \
             VALUES ($1, $2, $3, $4, NULL, $5, NULL, $6)",
        )
        .bind(u.id.0)
        .bind(u.parent_id.map(|p| p.0))
        .bind(u.kind.as_str())
        .bind(&u.name)
        .bind(u.path.as_str())
        .bind(u.created_at.timestamp_micros())
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let raw = start.elapsed();

    // One town's subtree (526 units) by jurisdiction, against the first 500 units unscoped.
    let town = units.iter().find(|u| u.kind == OrgKind::Town).unwrap();
    let mut scoped = Vec::new();
    let mut plain = Vec::new();
    for _ in 0..200 {
        let q = UnitQuery {
            scope: vec![town.path.clone()],
            limit: 500,
            ..Default::default()
        };
        let t = Instant::now();
        let got = db.store.list_units(&q).await.unwrap();
        scoped.push(t.elapsed());
        assert_eq!(got.len(), 500);
        let q = UnitQuery {
            limit: 500,
            ..Default::default()
        };
        let t = Instant::now();
        db.store.list_units(&q).await.unwrap();
        plain.push(t.elapsed());
    }

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!("# Storage benchmark (SQLite, {n} org units)\n");
    println!("| measure | value |\n|---|---|");
    println!(
        "| adapter bulk insert | {:.0} units/s ({:.0} ms) |",
        rate(adapter),
        adapter.as_secs_f64() * 1e3
    );
    println!(
        "| raw sqlx insert, same rows (baseline) | {:.0} units/s ({:.0} ms) |",
        rate(raw),
        raw.as_secs_f64() * 1e3
    );
    println!("| adapter / baseline | {:.2} |", rate(adapter) / rate(raw));
    println!(
        "| scoped list, 500 of one town's subtree: p50 / p99 | {:.2} ms / {:.2} ms |",
        pct(scoped.clone(), 0.5).as_secs_f64() * 1e3,
        pct(scoped, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "| unscoped list, 500 units (baseline): p50 / p99 | {:.2} ms / {:.2} ms |",
        pct(plain.clone(), 0.5).as_secs_f64() * 1e3,
        pct(plain, 0.99).as_secs_f64() * 1e3
    );
}
