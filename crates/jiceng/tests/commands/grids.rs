//! `jiceng import grids` on Taipei's real districts and villages: every village lands under
//! the district that holds it, re-import changes nothing, points and addresses locate to the
//! right units, and bad files are refused naming the feature with nothing written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_accounts::ports::OrgStore;
use jiceng_geo::{ReadOptions, property_text, read_features};
use jiceng_kernel::org::OrgKind;
use jiceng_orders::locator::{Outcome, Query};
use jiceng_store::SqlStore;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn taipei() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/taipei-boundaries");
    d.exists().then_some(d).or_else(|| {
        println!("skipped: taipei-boundaries is not beside the checkout");
        None
    })
}

/// Runs `jiceng import grids ARGS --data-dir DIR`; (success, stdout, stderr).
fn import(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("JICENG_")) {
        cmd.env_remove(k);
    }
    let out = cmd
        .current_dir(dir)
        .args(["import", "grids"])
        .args(args)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .output()
        .unwrap();
    let s = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.success(), s(out.stdout), s(out.stderr))
}

fn ok(r: (bool, String, String)) -> String {
    assert!(r.0, "failed:\n{}\n{}", r.1, r.2);
    r.1
}

async fn store(dir: &Path) -> SqlStore {
    SqlStore::connect(&format!(
        "sqlite://{}",
        dir.join("data/jiceng.db").display()
    ))
    .await
    .unwrap()
}

const TOWNS: &str = "taipei_town_12_districts.geojson";
const VILLAGES: &str = "taipei_village_456_li.geojson";

/// `import grids` arguments for Taipei's district file at `file`, under the city.
fn town_args(file: &Path) -> Vec<String> {
    [
        file.to_str().unwrap(),
        "--parent",
        "63000",
        "--parent-name",
        "臺北市",
        "--kind",
        "town",
        "--name-property",
        "TNAME",
        "--code-property",
        "CPTID",
    ]
    .map(String::from)
    .to_vec()
}

fn import_taipei(dir: &Path, src: &Path) {
    let args = town_args(&src.join(TOWNS));
    let out = ok(import(
        dir,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    assert!(
        out.contains("created 13: 1 区县 (county), 12 乡镇 (town)"),
        "{out}"
    );
    // Villages find their district by its outline.
    let villages = src.join(VILLAGES);
    let out = ok(import(
        dir,
        &[
            villages.to_str().unwrap(),
            "--parent",
            "63000",
            "--kind",
            "community",
            "--name-property",
            "VNAME",
            "--code-property",
            "CPTVID",
        ],
    ));
    assert!(out.contains("created 456: 456 社区 (community)"), "{out}");
    assert!(
        out.contains("第 102 个要素（西湖里 / 6301000001）：外环切除了 1 处极小的自相交环"),
        "{out}"
    );
}

#[tokio::test]
async fn taipei_villages_land_under_their_districts_and_locate() {
    let Some(src) = taipei() else { return };
    let dir = tempfile::tempdir().unwrap();
    import_taipei(dir.path(), &src);

    let s = store(dir.path()).await;
    let units = jiceng_geo::all_units(&s).await.unwrap();
    let by_id: HashMap<_, _> = units.iter().map(|u| (u.id, u)).collect();
    let villages: Vec<_> = units
        .iter()
        .filter(|u| u.kind == OrgKind::Community)
        .collect();
    assert_eq!(villages.len(), 456);
    for v in &villages {
        let district = by_id[&v.parent_id.unwrap()];
        // Village codes begin with their district's code (6300300041 is in 6300300).
        let code = v.code.as_deref().unwrap();
        assert!(
            code.starts_with(district.code.as_deref().unwrap()),
            "{} {code} under {}",
            v.name,
            district.name
        );
    }

    // Re-importing by the district code property changes nothing but the aliases it adds:
    // road names for 龍門里 (a derived copy of the file with one property added).
    let villages_file = src.join(VILLAGES);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&villages_file).unwrap()).unwrap();
    for f in v["features"].as_array_mut().unwrap() {
        if f["properties"]["CPTVID"] == "6300300041" {
            f["properties"]["ROADS"] = "新生南路三段、和平東路一段".into();
        }
    }
    let with_roads = dir.path().join("villages-roads.geojson");
    std::fs::write(&with_roads, v.to_string()).unwrap();
    let out = ok(import(
        dir.path(),
        &[
            with_roads.to_str().unwrap(),
            "--parent",
            "63000",
            "--kind",
            "community",
            "--name-property",
            "VNAME",
            "--code-property",
            "CPTVID",
            "--parent-property",
            "CPTID",
            "--parent-match",
            "code",
            "--alias-property",
            "ROADS",
        ],
    ));
    assert!(
        out.contains("created 0: none") && out.contains("unchanged 456"),
        "{out}"
    );
    assert_eq!(s.count_units().await.unwrap(), 1 + 12 + 456);

    // Each village's interior point is located to that village and its district.
    let (locator, warnings) = jiceng_geo::load_locator(&s).await.unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let text = std::fs::read_to_string(&villages_file).unwrap();
    let features = read_features(&text, &ReadOptions::default()).unwrap();
    for f in &features {
        let (lon, lat) = f.interior_point().unwrap();
        let o = locator.locate(&Query {
            point: Some((lon, lat)),
            address: None,
        });
        let names: Vec<&str> = o
            .located()
            .unwrap()
            .chain
            .iter()
            .map(|u| u.name.as_str())
            .collect();
        let want = [
            property_text(&f.properties, "VNAME").unwrap(),
            property_text(&f.properties, "TNAME").unwrap(),
        ];
        assert_eq!(names, want, "{}", o.explanation());
    }
    let o = locator.locate(&Query {
        point: Some((121.5645, 25.0340)),
        address: None,
    });
    assert_eq!(
        o.explanation(),
        "坐标 (121.564500, 25.034000) 落在 信義區 西村里 辖区内"
    );

    // Without coordinates, the address text decides; a namesake needs its district.
    let o = locator.locate(&Query {
        point: None,
        address: Some("臺北市大安區龍門里復興南路二段某號前人行道破損"),
    });
    assert_eq!(
        o.explanation(),
        "地址文字匹配 “臺北市”、“大安區”、“龍門里”，定位到 大安區 龍門里"
    );
    let o = locator.locate(&Query {
        point: None,
        address: Some("台北市万华区新安里西园路"),
    });
    let Outcome::Ambiguous { candidates, .. } = &o else {
        panic!("{o:?}")
    };
    let mut towns: Vec<&str> = candidates.iter().map(|c| c[1].name.as_str()).collect();
    towns.sort();
    assert_eq!(
        towns,
        ["士林區", "萬華區"],
        "万 is not 萬: the district is unknown, so no guess"
    );
    let o = locator.locate(&Query {
        point: None,
        address: Some("台北市萬華区新安里西園路"),
    });
    let chain: Vec<&str> = o
        .located()
        .unwrap()
        .chain
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(chain, ["新安里", "萬華區"]);
    let o = locator.locate(&Query {
        point: None,
        address: Some("中央里里民活動中心"),
    });
    assert!(matches!(o, Outcome::Ambiguous { .. }), "{o:?}");
}

#[tokio::test]
async fn bad_files_name_the_feature_and_write_nothing() {
    let Some(src) = taipei() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let towns = std::fs::read_to_string(src.join(TOWNS)).unwrap();
    let run = |name: &str, text: &str| {
        let f = d.join(name);
        std::fs::write(&f, text).unwrap();
        let a = town_args(&f);
        let r = import(d, &a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(!r.0, "{name} was accepted: {}", r.1);
        r.2
    };
    // Truncated JSON.
    let e = run("cut.geojson", &towns[..towns.len() / 2]);
    assert!(
        e.contains("不是合法的 JSON") && e.contains("geo.invalid_json"),
        "{e}"
    );
    // NaN in the third district (北投區 is first, 士林區 second).
    let mut v: serde_json::Value = serde_json::from_str(&towns).unwrap();
    let name = v["features"][2]["properties"]["TNAME"]
        .as_str()
        .unwrap()
        .to_owned();
    let nan = serde_json::to_string(&v).unwrap();
    let first = v["features"][2]["geometry"]["coordinates"][0][0][1][0].to_string();
    let e = run("nan.geojson", &nan.replacen(&first, "NaN", 1));
    assert!(
        e.contains(&format!("第 3 个要素（{name} / ")) && e.contains("geo.non_finite"),
        "{e}"
    );
    // A bow tie in the fifth.
    v["features"][4]["geometry"] = serde_json::json!({"type": "Polygon", "coordinates": [[[121.5, 25.0], [121.6, 25.1], [121.6, 25.0], [121.5, 25.1], [121.5, 25.0]]]});
    let e = run("bow.geojson", &serde_json::to_string(&v).unwrap());
    assert!(
        e.contains("第 5 个要素（")
            && e.contains("外环自相交")
            && e.contains("geo.self_intersection"),
        "{e}"
    );
    // 50 MB: refused by its size, before it is read.
    let big = d.join("big.geojson");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(50 * 1024 * 1024)
        .unwrap();
    let a = town_args(&big);
    let r = import(d, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!r.0 && r.2.contains("文件过大（50.0 MB）"), "{}", r.2);
    // A missing name property.
    let a: Vec<String> = town_args(&src.join(TOWNS))
        .into_iter()
        .map(|s| if s == "TNAME" { "NAME".into() } else { s })
        .collect();
    let r = import(d, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        !r.0 && r.2.contains("第 1 个要素：缺少名称属性 NAME"),
        "{}",
        r.2
    );
    // Nothing was written by any of them (the database may not even exist).
    if d.join("data/jiceng.db").exists() {
        assert_eq!(store(d).await.count_units().await.unwrap(), 0);
    }
}
