#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Point location on the real boundaries in ../shared/data: Taipei's 12 districts and 456
//! villages (two levels), and Boston's wards checked against the ward recorded on 311 cases.

use geo::InteriorPoint;
use jiceng_geo::{Area, AreaIndex, ReadOptions, property_text, read_features};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("skipped: {} is not beside the checkout", p.display());
        None
    }
}

fn read(path: &Path, label: &[&str]) -> Vec<jiceng_geo::Feature> {
    let text = std::fs::read_to_string(path).unwrap();
    let opts = ReadOptions {
        label_properties: label.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    read_features(&text, &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn taipei_villages_lie_in_their_districts_and_locate_to_themselves() {
    let (Some(towns), Some(villages)) = (
        data("taipei-boundaries/taipei_town_12_districts.geojson"),
        data("taipei-boundaries/taipei_village_456_li.geojson"),
    ) else {
        return;
    };
    let towns = read(&towns, &["TNAME", "CPTID"]);
    let villages = read(&villages, &["VNAME", "CPTVID"]);
    assert_eq!((towns.len(), villages.len()), (12, 456));
    // Two official outlines twist over themselves by under a square metre; they are mended.
    let mended: Vec<String> = villages
        .iter()
        .filter(|v| !v.repairs.is_empty())
        .map(|v| property_text(&v.properties, "VNAME").unwrap())
        .collect();
    assert_eq!(mended, ["西湖里", "寶湖里"]);

    let key = |f: &jiceng_geo::Feature, k: &str| property_text(&f.properties, k).unwrap();
    let mut areas = Vec::new();
    for t in &towns {
        areas.push(Area {
            key: key(t, "CPTID"),
            depth: 1,
            shape: t.shape.clone(),
        });
    }
    for v in &villages {
        areas.push(Area {
            key: key(v, "CPTVID"),
            depth: 2,
            shape: v.shape.clone(),
        });
    }
    let ix = AreaIndex::build(areas);
    let town_name: HashMap<String, String> = towns
        .iter()
        .map(|t| (key(t, "CPTID"), key(t, "TNAME")))
        .collect();

    let mut wrong = Vec::new();
    for v in &villages {
        let p = v.shape.interior_point().unwrap();
        let chain: Vec<&str> = ix
            .locate_chain(p.x(), p.y())
            .iter()
            .map(|h| h.area.key.as_str())
            .collect();
        let want_village = key(v, "CPTVID");
        let want_town = key(v, "CPTID");
        if chain != [want_village.as_str(), want_town.as_str()] {
            wrong.push(format!("{}: {chain:?}", key(v, "PTVNAME")));
        }
        // The village's district by geometry names the district in its own properties.
        assert_eq!(town_name[&want_town], key(v, "TNAME"));
    }
    assert!(
        wrong.is_empty(),
        "{} villages misplaced: {wrong:?}",
        wrong.len()
    );

    // 臺北101 (121.5645, 25.0340): its address is 信義區西村里信義路五段7號.
    let hit = ix.locate(121.5645, 25.0340).unwrap();
    assert_eq!(hit.area.key, "6300200001");
    assert_eq!(
        ix.locate_linear(121.5645, 25.0340).unwrap().area.key,
        hit.area.key
    );
}

#[test]
fn boston_311_cases_land_in_their_recorded_ward() {
    let (Some(wards), Some(cases)) = (
        data("boston-geo/boston_wards.geojson"),
        data("boston-311/boston_311_2015_by_type_combined.csv.gz"),
    ) else {
        return;
    };
    let wards = read(&wards, &["WARD"]);
    assert_eq!(wards.len(), 22);
    let ix = AreaIndex::build(
        wards
            .iter()
            .map(|w| Area {
                key: property_text(&w.properties, "WARD")
                    .unwrap()
                    .parse::<u32>()
                    .unwrap(),
                depth: 1,
                shape: w.shape.clone(),
            })
            .collect(),
    );
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(cases).unwrap());
    let mut rd = csv::Reader::from_reader(gz);
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (cw, clat, clon) = (col("ward"), col("LATITUDE"), col("LONGITUDE"));
    let (mut checked, mut matched, mut outside) = (0u32, 0u32, 0u32);
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.unwrap();
        // Every 10th case; the City Hall default point means "not geocoded".
        if i % 10 != 0 || (&rec[clat], &rec[clon]) == ("42.3594", "-71.0587") {
            continue;
        }
        let ward = rec[cw].trim().trim_start_matches("Ward ").parse::<u32>();
        let (Ok(ward), Ok(lat), Ok(lon)) =
            (ward, rec[clat].parse::<f64>(), rec[clon].parse::<f64>())
        else {
            continue;
        };
        checked += 1;
        match ix.locate(lon, lat) {
            Some(h) if h.area.key == ward => matched += 1,
            Some(_) => {}
            None => outside += 1,
        }
    }
    let rate = f64::from(matched) / f64::from(checked);
    println!(
        "Boston 311: {checked} geocoded cases sampled, {matched} in their recorded ward ({:.2}%), {outside} outside every ward",
        rate * 100.0
    );
    // Coordinates are rounded to 4 decimals (~10 m), so cases on ward edges can fall next door.
    assert!(checked > 5000 && rate > 0.95, "match rate {rate}");
}
