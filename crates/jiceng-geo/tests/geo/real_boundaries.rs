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

/// Boston's wards keyed by their number (`WARD`).
fn ward_index(wards: &[jiceng_geo::Feature]) -> AreaIndex<u32> {
    AreaIndex::build(
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
    )
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

/// Every 10th geocoded 2015 Boston 311 case: (ward, ward × 100 + precinct, lon, lat). Cases on
/// the City Hall default point are not geocoded and left out.
fn boston_311_sample(path: &Path) -> Vec<(u32, u32, f64, f64)> {
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap());
    let mut rd = csv::Reader::from_reader(gz);
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (cw, cp, clat, clon) = (
        col("ward"),
        col("precinct"),
        col("LATITUDE"),
        col("LONGITUDE"),
    );
    let mut out = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.unwrap();
        if i % 10 != 0 || (&rec[clat], &rec[clon]) == ("42.3594", "-71.0587") {
            continue;
        }
        let ward = rec[cw].trim().trim_start_matches("Ward ").parse::<u32>();
        let precinct = rec[cp].parse::<f64>();
        if let (Ok(w), Ok(p), Ok(lat), Ok(lon)) =
            (ward, precinct, rec[clat].parse(), rec[clon].parse())
        {
            out.push((w, p as u32, lon, lat));
        }
    }
    out
}

/// Share of cases whose point lies in the area keyed as recorded, and how many lie in none.
fn match_rate(ix: &AreaIndex<u32>, cases: &[(u32, f64, f64)]) -> (f64, usize) {
    let mut matched = 0;
    let mut outside = 0;
    for &(want, lon, lat) in cases {
        match ix.locate(lon, lat) {
            Some(h) if h.area.key == want => matched += 1,
            Some(_) => {}
            None => outside += 1,
        }
    }
    (matched as f64 / cases.len() as f64, outside)
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
    let ix = ward_index(&wards);
    let sample = boston_311_sample(&cases);
    let cases: Vec<_> = sample.iter().map(|c| (c.0, c.2, c.3)).collect();
    let (rate, outside) = match_rate(&ix, &cases);
    println!(
        "Boston 311: {} geocoded cases sampled, {:.2}% in their recorded ward, {outside} outside every ward",
        cases.len(),
        rate * 100.0
    );
    // Coordinates are rounded to 4 decimals (~10 m), so cases on ward edges can fall next door.
    assert!(cases.len() > 5000 && rate > 0.95, "match rate {rate}");
}

/// Massachusetts State Plane, mainland zone (EPSG:2249, US survey feet, NAD83 ≈ WGS-84 within
/// a metre) to longitude/latitude: the inverse Lambert conformal conic of Snyder (1987).
/// Only this test needs it: the precinct file is the one real file here in projected feet.
fn ma_state_plane_to_lon_lat(x_ft: f64, y_ft: f64) -> (f64, f64) {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};
    let ft = 1200.0 / 3937.0;
    let (a, f): (f64, f64) = (6_378_137.0, 1.0 / 298.257_222_101);
    let e = (2.0 * f - f * f).sqrt();
    let rad = f64::to_radians;
    let (p1, p2, p0, l0) = (
        rad(42.0 + 41.0 / 60.0),
        rad(41.0 + 43.0 / 60.0),
        rad(41.0),
        rad(-71.5),
    );
    let m = |p: f64| p.cos() / (1.0 - (e * p.sin()).powi(2)).sqrt();
    let t = |p: f64| {
        (FRAC_PI_4 - p / 2.0).tan() / ((1.0 - e * p.sin()) / (1.0 + e * p.sin())).powf(e / 2.0)
    };
    let n = (m(p1).ln() - m(p2).ln()) / (t(p1).ln() - t(p2).ln());
    let big_f = m(p1) / (n * t(p1).powf(n));
    let rho0 = a * big_f * t(p0).powf(n);
    let (x, y) = (x_ft * ft - 200_000.0, y_ft * ft - 750_000.0);
    let rho = (x * x + (rho0 - y).powi(2)).sqrt();
    let tt = (rho / (a * big_f)).powf(1.0 / n);
    let lon = x.atan2(rho0 - y) / n + l0;
    let mut lat = FRAC_PI_2 - 2.0 * tt.atan();
    for _ in 0..8 {
        lat = FRAC_PI_2
            - 2.0 * (tt * ((1.0 - e * lat.sin()) / (1.0 + e * lat.sin())).powf(e / 2.0)).atan();
    }
    (lon.to_degrees(), lat.to_degrees())
}

fn unproject(v: &mut serde_json::Value) {
    if let Some(a) = v.as_array_mut() {
        if let [x, y] = a.as_slice()
            && let (Some(x), Some(y)) = (x.as_f64(), y.as_f64())
        {
            let (lon, lat) = ma_state_plane_to_lon_lat(x, y);
            *v = serde_json::json!([lon, lat]);
        } else {
            a.iter_mut().for_each(unproject);
        }
    }
}

#[test]
fn boston_311_cases_land_in_their_recorded_precinct() {
    let (Some(precincts), Some(wards), Some(cases)) = (
        data("boston-geo/boston_precincts_2020.geojson"),
        data("boston-geo/boston_wards.geojson"),
        data("boston-311/boston_311_2015_by_type_combined.csv.gz"),
    ) else {
        return;
    };
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(precincts).unwrap()).unwrap();
    for f in v["features"].as_array_mut().unwrap() {
        unproject(&mut f["geometry"]["coordinates"]);
    }
    let opts = ReadOptions {
        label_properties: vec!["WARD_PRECINCT".into()],
        ..Default::default()
    };
    let precincts = read_features(&v.to_string(), &opts).unwrap();
    assert_eq!(precincts.len(), 255);
    // `0502A` is a 2020 split of precinct 5-2: the 2015 cases know it as 502.
    let key = |f: &jiceng_geo::Feature| {
        let code = property_text(&f.properties, "WARD_PRECINCT").unwrap();
        code.trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse::<u32>()
            .unwrap()
    };
    // The conversion is checked against the ward file, which is in longitude/latitude: each
    // precinct's interior point lies in its own ward, but for precinct 1-15 whose point is on a
    // harbour island (-71.010, 42.315) the ward outline leaves out.
    let wards = read(&wards, &["WARD"]);
    let wards = ward_index(&wards);
    let mut elsewhere = Vec::new();
    for p in &precincts {
        let (lon, lat) = p.interior_point().unwrap();
        let ward = wards.locate(lon, lat).map(|h| h.area.key);
        if ward != Some(key(p) / 100) {
            elsewhere.push(format!("{} at ({lon:.5}, {lat:.5}) in {ward:?}", key(p)));
        }
    }
    assert_eq!(elsewhere, ["115 at (-71.01042, 42.31519) in None"]);
    let ix = AreaIndex::build(
        precincts
            .iter()
            .map(|p| Area {
                key: key(p),
                depth: 2,
                shape: p.shape.clone(),
            })
            .collect(),
    );
    let sample = boston_311_sample(&cases);
    let cases: Vec<_> = sample.iter().map(|c| (c.1, c.2, c.3)).collect();
    let (rate, outside) = match_rate(&ix, &cases);
    println!(
        "Boston 311: {} geocoded cases sampled, {:.2}% in their recorded precinct (2020 precinct lines, 2015 cases), {outside} outside every precinct",
        cases.len(),
        rate * 100.0
    );
    assert!(rate > 0.85, "match rate {rate}");
}
