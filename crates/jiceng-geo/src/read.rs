//! Reading a GeoJSON FeatureCollection of Polygon/MultiPolygon features into checked shapes.
//!
//! The file is parsed as plain JSON first and each feature's geometry on its own, so that one
//! bad feature is reported by its index and name instead of failing the whole file anonymously.

use crate::crs::Crs;
use crate::error::{FeatureError, GeoError};
use crate::ring::{dedup, repair_slivers};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{GeometryValue, Position};
use jiceng_kernel::error::{Code, codes};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Files larger than this are refused before parsing: a town's grids fit in a few MB (all of
/// Taipei's 456 villages take 2.4 MB), and parsing holds several copies in memory.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;

/// One feature of the file, its geometry converted to WGS-84 and checked.
#[derive(Debug, Clone)]
pub struct Feature {
    /// Zero-based index in the file's `features` array.
    pub index: usize,
    pub properties: Map<String, Value>,
    pub shape: MultiPolygon<f64>,
    /// What was mended on the way in (sliver loops cut off), for the import's warnings.
    pub repairs: Vec<String>,
}

impl Feature {
    /// A point surely inside the shape (not on its edge), e.g. to find the area holding it.
    pub fn interior_point(&self) -> Option<(f64, f64)> {
        use geo::InteriorPoint;
        self.shape.interior_point().map(|p| (p.x(), p.y()))
    }
}

#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub crs: Crs,
    /// Properties that name a feature in error messages (e.g. its name and code).
    pub label_properties: Vec<String>,
}

/// A property as text: strings trimmed, whole numbers without a fraction (`6301200042.0` is
/// the code `6301200042`), other values as JSON.
pub fn property_text(props: &Map<String, Value>, key: &str) -> Option<String> {
    match props.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        }),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads every feature, or returns every problem found (up to [`GeoError::MAX_LISTED`]).
pub fn read_features(text: &str, opts: &ReadOptions) -> Result<Vec<Feature>, GeoError> {
    if text.len() > MAX_BYTES {
        return Err(GeoError::file(
            codes::GEO_FILE_TOO_LARGE,
            format!(
                "文件过大（{:.1} MB），上限 {} MB：请按街道或社区拆分后分批导入",
                text.len() as f64 / 1_048_576.0,
                MAX_BYTES / 1_048_576
            ),
        ));
    }
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => match parse_with_nan(text) {
            Some(v) => v,
            None => return Err(json_error(text, &e)),
        },
    };
    let features = match (
        root.get("type").and_then(Value::as_str),
        root.get("features"),
    ) {
        (Some("FeatureCollection"), Some(Value::Array(f))) => f,
        (Some(other), _) if other != "FeatureCollection" => {
            return Err(GeoError::file(
                codes::GEO_NOT_FEATURE_COLLECTION,
                format!("文件的 type 是 {other}，应为 FeatureCollection（要素集合）"),
            ));
        }
        _ => {
            return Err(GeoError::file(
                codes::GEO_NOT_FEATURE_COLLECTION,
                "文件不是 GeoJSON FeatureCollection：缺少 type 或 features 数组",
            ));
        }
    };
    if features.is_empty() {
        return Err(GeoError::file(
            codes::GEO_EMPTY,
            "文件中没有任何要素（features 为空）",
        ));
    }
    let mut out = Vec::with_capacity(features.len());
    let mut errors = GeoError {
        problems: Vec::new(),
        more: 0,
    };
    for (index, f) in features.iter().enumerate() {
        match read_one(index, f, opts) {
            Ok(feature) => out.push(feature),
            Err(p) => errors.push(p),
        }
    }
    if errors.problems.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn read_one(index: usize, f: &Value, opts: &ReadOptions) -> Result<Feature, FeatureError> {
    let properties = match f.get("properties") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let label = opts
        .label_properties
        .iter()
        .filter_map(|k| property_text(&properties, k))
        .collect::<Vec<_>>();
    let fail = |code: Code, message: String| FeatureError {
        feature: Some(index),
        label: (!label.is_empty()).then(|| label.join(" / ")),
        code,
        message,
    };
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(fail(
            codes::GEO_NOT_FEATURE,
            "不是 GeoJSON Feature（缺少 \"type\": \"Feature\"）".into(),
        ));
    }
    let geometry = match f.get("geometry") {
        None | Some(Value::Null) => {
            return Err(fail(
                codes::GEO_MISSING_GEOMETRY,
                "没有几何形状（geometry 为空）".into(),
            ));
        }
        Some(g) => g,
    };
    let (shape, repairs) = read_geometry(geometry, opts.crs).map_err(|(code, m)| fail(code, m))?;
    Ok(Feature {
        index,
        properties,
        shape,
        repairs,
    })
}

/// A GeoJSON Polygon/MultiPolygon geometry, converted to WGS-84 and checked; with the
/// repairs made (sliver loops cut off), or the problem's code and message.
pub fn read_geometry(
    geometry: &Value,
    crs: Crs,
) -> Result<(MultiPolygon<f64>, Vec<String>), Problem> {
    if geometry.get("coordinates").is_some_and(has_null) {
        return Err((
            codes::GEO_NON_FINITE,
            "坐标中有 NaN、Infinity 或空值：请修正或删除这些点".into(),
        ));
    }
    let geometry = geojson::Geometry::deserialize(geometry).map_err(|e| {
        (
            codes::GEO_INVALID_GEOMETRY,
            format!("几何形状无法解析：{e}"),
        )
    })?;
    let polygons = match geometry.value {
        GeometryValue::Polygon { coordinates } => vec![coordinates],
        GeometryValue::MultiPolygon { coordinates } => coordinates,
        other => {
            return Err((
                codes::GEO_WRONG_GEOMETRY_TYPE,
                format!(
                    "几何类型为 {}，只接受 Polygon 或 MultiPolygon",
                    other.type_name()
                ),
            ));
        }
    };
    let mut shape = Vec::with_capacity(polygons.len());
    let mut repairs = Vec::new();
    for (pi, rings) in polygons.iter().enumerate() {
        let mut checked = Vec::with_capacity(rings.len());
        for (ri, ring) in rings.iter().enumerate() {
            let which = ring_name(polygons.len(), pi, ri);
            let (ring, cut) =
                read_ring(ring, crs).map_err(|(code, m)| (code, format!("{which}{m}")))?;
            if cut > 0 {
                repairs.push(format!(
                    "{which}切除了 {cut} 处极小的自相交环（数字化误差）"
                ));
            }
            checked.push(ring);
        }
        let mut it = checked.into_iter();
        if let Some(exterior) = it.next() {
            shape.push(Polygon::new(exterior, it.collect()));
        }
    }
    if shape.is_empty() {
        return Err((codes::GEO_EMPTY_GEOMETRY, "几何形状没有任何多边形".into()));
    }
    Ok((MultiPolygon(shape), repairs))
}

/// The GeoJSON geometry of a shape, as stored: a Polygon when there is one part.
pub fn to_geojson(shape: &MultiPolygon<f64>) -> Value {
    let ring = |r: &geo::LineString<f64>| -> Value {
        Value::Array(r.0.iter().map(|c| serde_json::json!([c.x, c.y])).collect())
    };
    let polygon = |p: &Polygon<f64>| -> Value {
        Value::Array(
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(ring)
                .collect(),
        )
    };
    match shape.0.as_slice() {
        [one] => serde_json::json!({"type": "Polygon", "coordinates": polygon(one)}),
        many => serde_json::json!({
            "type": "MultiPolygon",
            "coordinates": many.iter().map(polygon).collect::<Vec<_>>()
        }),
    }
}

fn ring_name(polygons: usize, pi: usize, ri: usize) -> String {
    let ring = if ri == 0 {
        "外环".to_owned()
    } else {
        format!("第 {ri} 个内环（洞）")
    };
    if polygons > 1 {
        format!("第 {} 个多边形的{ring}", pi + 1)
    } else {
        ring
    }
}

/// A problem's stable code and Chinese message.
pub type Problem = (Code, String);

/// The ring and the number of sliver loops cut off it.
fn read_ring(ring: &[Position], crs: Crs) -> Result<(LineString<f64>, usize), Problem> {
    let mut pts = Vec::with_capacity(ring.len());
    for (i, p) in ring.iter().enumerate() {
        let &[lon, lat, ..] = p.as_slice() else {
            return Err((
                codes::GEO_INVALID_POSITION,
                format!("第 {} 个坐标少于两个数值", i + 1),
            ));
        };
        if !lon.is_finite() || !lat.is_finite() {
            return Err((
                codes::GEO_NON_FINITE,
                format!("第 {} 个坐标不是有限数值（NaN 或无穷大）", i + 1),
            ));
        }
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err((
                codes::GEO_OUT_OF_RANGE,
                format!(
                    "第 {} 个坐标 ({lon}, {lat}) 超出经纬度范围：文件可能使用投影坐标（如州平面坐标），请先转换为 WGS-84 经纬度",
                    i + 1
                ),
            ));
        }
        let (x, y) = crs.to_wgs84(lon, lat);
        pts.push(Coord { x, y });
    }
    if pts.first() != pts.last() {
        return Err((codes::GEO_UNCLOSED_RING, "未闭合：首尾坐标必须相同".into()));
    }
    let pts = dedup(&pts);
    if pts.len() < 4 {
        return Err((
            codes::GEO_RING_TOO_SHORT,
            "点数过少：闭合的环至少需要 3 个不同的点".into(),
        ));
    }
    match repair_slivers(pts) {
        Ok((pts, cut)) => Ok((LineString(pts), cut)),
        Err(at) => Err((
            codes::GEO_SELF_INTERSECTION,
            format!("自相交：边界在 ({:.6}, {:.6}) 附近交叉", at.x, at.y),
        )),
    }
}

/// Python's `json.dumps` writes NaN and Infinity, which JSON does not allow. They are read as
/// null so that the feature holding them can be named; `None` when the text is broken anyway.
fn parse_with_nan(text: &str) -> Option<Value> {
    if !(text.contains("NaN") || text.contains("Infinity")) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        if in_string {
            in_string = escaped || ch != '"';
            escaped = !escaped && ch == '\\';
        } else if ch == '"' {
            in_string = true;
        } else if let Some(token) = ["-Infinity", "Infinity", "NaN"]
            .iter()
            .find(|t| rest.starts_with(**t))
        {
            out.push_str("null");
            rest = &rest[token.len()..];
            continue;
        }
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    serde_json::from_str(&out).ok()
}

fn has_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.iter().any(has_null),
        _ => false,
    }
}

/// A JSON syntax error with its line and column, and the feature it falls in when that can be
/// told (the count of `"Feature"` markers before the error).
fn json_error(text: &str, e: &serde_json::Error) -> GeoError {
    let offset = line_col_offset(text, e.line(), e.column());
    let before = &text[..offset];
    let feature = before.matches("\"Feature\"").count().checked_sub(1);
    let near =
        &text[floor_boundary(text, offset.saturating_sub(1))..floor_boundary(text, offset + 8)];
    let nan = ["NaN", "Infinity", "nan", "inf"]
        .iter()
        .any(|t| near.contains(t) || before.ends_with(t));
    let message = if nan {
        format!(
            "第 {} 行第 {} 列：坐标不是有限数值（NaN 或 Infinity 不是合法的 JSON 数字）",
            e.line(),
            e.column()
        )
    } else {
        format!(
            "不是合法的 JSON（第 {} 行第 {} 列）：{e}",
            e.line(),
            e.column()
        )
    };
    GeoError {
        problems: vec![FeatureError {
            feature,
            label: None,
            code: if nan {
                codes::GEO_NON_FINITE
            } else {
                codes::GEO_INVALID_JSON
            },
            message,
        }],
        more: 0,
    }
}

/// Byte offset of a 1-based line and column, clamped to a char boundary inside the text.
fn line_col_offset(text: &str, line: usize, col: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    floor_boundary(text, line_start + col.saturating_sub(1))
}

fn floor_boundary(text: &str, i: usize) -> usize {
    let mut at = i.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}
