#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Bad boundary files give errors that name the feature and say what to fix; none panics.

use jiceng_geo::{GeoError, MAX_BYTES, ReadOptions, read_features};
use serde_json::{Value, json};
use std::path::Path;

fn opts() -> ReadOptions {
    ReadOptions {
        label_properties: vec!["name".into(), "code".into()],
        ..Default::default()
    }
}

fn collection(features: Vec<Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

fn feature(name: &str, code: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"name": name, "code": code}, "geometry": geometry})
}

fn square() -> Value {
    json!({"type": "Polygon", "coordinates": [[[121.5, 25.0], [121.6, 25.0], [121.6, 25.1], [121.5, 25.1], [121.5, 25.0]]]})
}

fn err(text: &str) -> GeoError {
    read_features(text, &opts()).unwrap_err()
}

#[test]
fn self_intersecting_polygon_names_the_feature() {
    let bow = json!({"type": "Polygon", "coordinates": [[[121.5, 25.0], [121.6, 25.1], [121.6, 25.0], [121.5, 25.1], [121.5, 25.0]]]});
    let e = err(&collection(vec![
        feature("龍門里", "6300300001", square()),
        feature("錯誤里", "6300300002", bow),
    ]));
    assert_eq!(e.code(), "geo.self_intersection");
    let msg = e.to_string();
    assert!(
        msg.starts_with("第 2 个要素（錯誤里 / 6300300002）：外环自相交"),
        "{msg}"
    );
    assert!(msg.contains("(121.550000, 25.050000)"), "{msg}");
}

#[test]
fn invalid_json_gives_line_and_column() {
    let e = err("{\"type\": \"FeatureCollection\",\n \"features\": [ {\"type\": ");
    assert_eq!(e.code(), "geo.invalid_json");
    assert!(e.to_string().contains("第 2 行"), "{e}");
    assert_eq!(err("").code(), "geo.invalid_json");
    assert_eq!(err("[1, 2]").code(), "geo.not_feature_collection");
    assert_eq!(
        err(r#"{"type": "Feature"}"#).code(),
        "geo.not_feature_collection"
    );
    assert_eq!(err(&collection(vec![])).code(), "geo.empty");
}

#[test]
fn nan_coordinates_name_the_feature() {
    // Python's json.dumps writes NaN for missing values; JSON has no such number.
    let text = collection(vec![
        feature("甲里", "1", square()),
        feature("乙里", "2", square()),
    ])
    .replacen("121.6,25.1", "NaN,25.1", 2);
    let text = text.replacen("NaN,25.1", "121.6,25.1", 1);
    let e = err(&text);
    assert_eq!(e.code(), "geo.non_finite");
    assert_eq!(e.problems[0].feature, Some(1), "{e}");
    assert!(e.to_string().contains("第 2 个要素"), "{e}");
    // Numbers too large for f64 are refused the same way, never turned into infinity.
    let big = collection(vec![feature("丙里", "3", square())]).replacen("121.6", "1e999", 1);
    assert!(read_features(&big, &opts()).is_err());
}

#[test]
fn wrong_types_unclosed_and_short_rings_are_each_reported() {
    let e = err(&collection(vec![
        feature(
            "点",
            "1",
            json!({"type": "Point", "coordinates": [121.5, 25.0]}),
        ),
        feature(
            "未闭合",
            "2",
            json!({"type": "Polygon", "coordinates": [[[121.5, 25.0], [121.6, 25.0], [121.6, 25.1], [121.5, 25.1]]]}),
        ),
        feature(
            "太短",
            "3",
            json!({"type": "Polygon", "coordinates": [[[121.5, 25.0], [121.6, 25.0], [121.5, 25.0], [121.5, 25.0]]]}),
        ),
        feature(
            "越界",
            "4",
            json!({"type": "Polygon", "coordinates": [[[200.0, 25.0], [121.6, 25.0], [121.6, 25.1], [200.0, 25.0]]]}),
        ),
        json!({"type": "Feature", "properties": {"name": "空"}, "geometry": null}),
        feature(
            "坏坐标",
            "6",
            json!({"type": "Polygon", "coordinates": [[["a", 25.0]]]}),
        ),
        feature("好", "7", square()),
    ]));
    let codes: Vec<_> = e
        .problems
        .iter()
        .map(|p| (p.feature, p.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (Some(0), "geo.wrong_geometry_type"),
            (Some(1), "geo.unclosed_ring"),
            (Some(2), "geo.ring_too_short"),
            (Some(3), "geo.out_of_range"),
            (Some(4), "geo.missing_geometry"),
            (Some(5), "geo.invalid_geometry"),
        ]
    );
    assert!(
        e.to_string()
            .contains("第 1 个要素（点 / 1）：几何类型为 Point"),
        "{e}"
    );
}

#[test]
fn many_bad_features_are_listed_up_to_a_limit() {
    let point = json!({"type": "Point", "coordinates": [121.5, 25.0]});
    let e = err(&collection(
        (0..50)
            .map(|i| feature("点", &i.to_string(), point.clone()))
            .collect(),
    ));
    assert_eq!(
        (e.problems.len(), e.more),
        (GeoError::MAX_LISTED, 50 - GeoError::MAX_LISTED)
    );
    assert!(e.to_string().ends_with("另有 30 处问题未列出"));
}

#[test]
fn a_50_mb_file_is_refused_before_parsing() {
    let filler = " ".repeat(50 * 1024 * 1024);
    let text = format!("{}{filler}", collection(vec![feature("甲", "1", square())]));
    assert!(text.len() > MAX_BYTES);
    let e = err(&text);
    assert_eq!(e.code(), "geo.file_too_large");
    assert!(e.to_string().contains("50.0 MB"), "{e}");
}

#[test]
fn projected_coordinates_are_refused_naming_the_precinct() {
    // Boston's precincts are in Massachusetts State Plane feet, not longitude/latitude.
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/boston-geo/boston_precincts_2020.geojson");
    let Ok(text) = std::fs::read_to_string(&p) else {
        println!("skipped: {} missing", p.display());
        return;
    };
    let opts = ReadOptions {
        label_properties: vec!["WARD_PRECINCT".into()],
        ..Default::default()
    };
    let e = read_features(&text, &opts).unwrap_err();
    assert_eq!(e.code(), "geo.out_of_range");
    assert_eq!(e.problems.len() + e.more, 255);
    assert!(
        e.to_string()
            .starts_with("第 1 个要素（0113）：外环第 1 个坐标"),
        "{e}"
    );
}

#[test]
fn truncated_real_file_never_panics() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/taipei-boundaries/taipei_town_12_districts.geojson");
    let Ok(text) = std::fs::read_to_string(&p) else {
        return;
    };
    // Cut at many places, including inside multi-byte Chinese names.
    for cut in (0..text.len()).step_by(9973) {
        let mut at = cut;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let e = read_features(&text[..at], &opts()).unwrap_err();
        assert_eq!(e.code(), "geo.invalid_json");
    }
}
