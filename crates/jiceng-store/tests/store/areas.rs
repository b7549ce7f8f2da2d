//! Unit areas and aliases (location routing) behave the same on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use jiceng_accounts::ports::OrgStore;
use jiceng_kernel::ids::UnitId;
use jiceng_kernel::org::{OrgKind, OrgUnit, UnitPath};
use jiceng_orders::locator::UnitArea;
use jiceng_orders::ports::AreaStore;
use jiceng_store::SqlStore;
use serde_json::json;

fn t(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap()
}

async fn two_units(s: &SqlStore) -> (OrgUnit, OrgUnit) {
    let county_id = UnitId(uuid::Uuid::now_v7());
    let county = OrgUnit {
        id: county_id,
        parent_id: None,
        kind: OrgKind::County,
        name: "臺北市".into(),
        code: None,
        path: UnitPath::root(county_id),
        geometry: None,
        created_at: t(1_795_000_000_123_456),
    };
    let id = UnitId(uuid::Uuid::now_v7());
    let town = OrgUnit {
        id,
        parent_id: Some(county_id),
        kind: OrgKind::Town,
        name: "大安區".into(),
        code: None,
        path: county.path.child(id),
        ..county.clone()
    };
    s.insert_units(&[county.clone(), town.clone()])
        .await
        .unwrap();
    (county, town)
}

/// `x1` is written out rather than computed: JSON text keeps the shortest decimal form.
fn area(unit: UnitId, x: f64, x1: f64, source: &str, at: i64) -> UnitArea {
    UnitArea {
        unit,
        geometry: json!({"type": "Polygon", "coordinates": [[[x, 25.0], [x1, 25.0], [x1, 25.1], [x, 25.0]]]}),
        bbox: [x, 25.0, x1, 25.1],
        source: source.into(),
        updated_at: t(at),
    }
}

async fn areas_are_upserted_per_unit(s: &SqlStore) {
    let (county, town) = two_units(s).await;
    assert!(s.list_areas(county.path.county()).await.unwrap().is_empty());
    let first = [
        area(county.id, 121.4, 121.5, "a.geojson", 1_795_000_000_000_001),
        area(town.id, 121.5, 121.6, "a.geojson", 1_795_000_000_000_001),
    ];
    s.put_areas(&first).await.unwrap();
    // Re-importing the town replaces its outline and leaves the county's.
    let again = area(town.id, 121.55, 121.65, "b.geojson", 1_795_000_000_000_002);
    s.put_areas(std::slice::from_ref(&again)).await.unwrap();
    let mut got = s.list_areas(county.path.county()).await.unwrap();
    got.sort_by_key(|a| a.unit);
    let mut want = vec![first[0].clone(), again];
    want.sort_by_key(|a| a.unit);
    assert_eq!(got, want);
}

async fn aliases_are_replaced_per_unit(s: &SqlStore) {
    let (county, town) = two_units(s).await;
    let roads = vec![
        "新生南路三段".to_owned(),
        "和平東路二段".to_owned(),
        "新生南路三段".to_owned(),
    ];
    s.set_unit_aliases(town.id, &roads).await.unwrap();
    s.set_unit_aliases(county.id, &["台北".to_owned()])
        .await
        .unwrap();
    s.set_unit_aliases(town.id, &roads[..1]).await.unwrap();
    let mut got = s.list_unit_aliases(county.path.county()).await.unwrap();
    got.sort();
    let mut want = vec![
        (town.id, "新生南路三段".to_owned()),
        (county.id, "台北".to_owned()),
    ];
    want.sort();
    assert_eq!(got, want);
}

async fn run_all(s: &SqlStore) {
    areas_are_upserted_per_unit(s).await;
    aliases_are_replaced_per_unit(s).await;
}

#[tokio::test]
async fn sqlite() {
    let db = jiceng_store::testing::sqlite().await;
    run_all(&db.store).await;
}

#[tokio::test]
async fn postgres() {
    let Some(db) = jiceng_store::testing::postgres().await else {
        return;
    };
    run_all(&db.store).await;
}
