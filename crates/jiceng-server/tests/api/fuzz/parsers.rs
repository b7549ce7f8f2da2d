//! The file and text parsers: GeoJSON areas, duty lists (xlsx, xls, CSV in UTF-8 or GBK),
//! the classifier's and the duplicate sketcher's text input, classifier model files, the
//! holiday schedule, working hours and time limits.

use super::{corpus, fuzz};
use jiceng_geo::read::{ReadOptions, read_features};
use jiceng_kernel::calendar::{TimeLimit, WorkingHours, YearSchedule};
use jiceng_kernel::ids::{DutyId, UnitId};
use jiceng_nlp::{Classifier, DEFAULT_MODEL, Fingerprint};
use jiceng_orders::duty::{DutyRules, TableCheck, Taxonomy, UnitDirectory};
use jiceng_server::duty_files::read_table;
use std::sync::LazyLock;

const JSON_TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"\\u0000",
    b"\\ud800",
    b"\"type\":\"Polygon\"",
    b"\"coordinates\":[[[0,0],[1,1],[0,0]]]",
    b"[[[[[[[[[[",
    b"\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:3857\"}}",
];

const TABLE_TOKENS: &[&[u8]] = &[
    b",",
    b"\"",
    b"\"\"",
    b";",
    "，".as_bytes(),
    "、".as_bytes(),
    "是".as_bytes(),
    "否".as_bytes(),
    "个工作日".as_bytes(),
    "工作小时".as_bytes(),
    "/".as_bytes(),
    "城乡建设/城乡规划/违章建筑".as_bytes(),
    "属地乡镇（街道）".as_bytes(),
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
    b"\xb3\xc7",
];

const TEXT_TOKENS: &[&[u8]] = &[
    "。".as_bytes(),
    "！".as_bytes(),
    "\u{200b}".as_bytes(),
    "\u{feff}".as_bytes(),
    "\u{202e}".as_bytes(),
    "𠀀".as_bytes(),
    "é".as_bytes(),
    "　".as_bytes(),
    "13912345678".as_bytes(),
    "广安区浓洄街道".as_bytes(),
    b"<script>",
];

const SPEC_TOKENS: &[&[u8]] = &[
    b":",
    b"-",
    b",",
    b"24:00",
    b"23:59:59",
    b"99:99",
    "小时".as_bytes(),
    "自然小时".as_bytes(),
    "个工作日".as_bytes(),
    b"wd",
    b"wh",
    b"d",
    b"h",
    b"3650",
    b"3651",
];

fn text(input: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(input)
}

#[test]
fn geojson_areas() {
    fuzz("geojson", corpus("geojson"), JSON_TOKENS, 3000, |input| {
        read_features(&text(input), &ReadOptions::default()).is_ok()
    });
}

#[test]
fn duty_list_files() {
    static TAXONOMY: LazyLock<Taxonomy> = LazyLock::new(Taxonomy::builtin);
    fuzz(
        "duty-list",
        corpus("duty-list"),
        TABLE_TOKENS,
        2000,
        |input| {
            match read_table(input) {
                Ok(rows) => {
                    let check = TableCheck::read(&rows, &TAXONOMY, &DutyRules::default());
                    // Every unit the rows name exists, so that resolving runs to its end.
                    let mut dir = UnitDirectory::default();
                    for t in check.unit_texts() {
                        let id = UnitId(uuid::Uuid::now_v7());
                        dir.units.insert(t.clone(), vec![(id, t)]);
                    }
                    dir.offices.extend(check.office_names());
                    let (duties, _) = check.finish(&dir, || DutyId(uuid::Uuid::now_v7()));
                    !duties.is_empty()
                }
                Err(_) => false,
            }
        },
    );
}

#[test]
fn classifier_and_sketcher_text() {
    static MODEL: LazyLock<Classifier> = LazyLock::new(|| Classifier::embedded().unwrap());
    fuzz("text", corpus("text"), TEXT_TOKENS, 2000, |input| {
        let t = text(input);
        let (title, body) = t.split_once('\n').unwrap_or(("", &t));
        let p = MODEL.predict(title, body);
        assert!(
            p.confidence.is_finite() && (0.0..=1.0).contains(&p.confidence),
            "confidence {} for {t:?}",
            p.confidence
        );
        assert!(MODEL.labels().contains(&p.label), "label {:?}", p.label);
        let _ = Fingerprint::of(&t);
        true
    });
}

#[test]
fn classifier_model_files() {
    // The shipped model is the corpus: a model upload is a file an administrator sends.
    let shipped = DEFAULT_MODEL.to_vec();
    let header: Vec<u8> = shipped.iter().copied().take(4096).collect();
    fuzz("model", vec![shipped, header], &[], 150, |input| {
        Classifier::from_bytes(input).is_ok()
    });
}

#[test]
fn holiday_schedules() {
    fuzz("holidays", corpus("holidays"), JSON_TOKENS, 3000, |input| {
        YearSchedule::parse(&text(input)).is_ok()
    });
}

#[test]
fn working_hours_and_time_limits() {
    fuzz("limits", corpus("limits"), SPEC_TOKENS, 5000, |input| {
        let t = text(input);
        let hours = WorkingHours::parse(&t).is_ok();
        let limit = TimeLimit::parse(&t).is_ok();
        hours || limit
    });
}
