//! The rule of duplicate candidates: same county, within the window, near, similar enough.

use super::{DuplicateSettings, Near, OrderSketch, Point, TextSketcher};
use chrono::Duration;
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::org::UnitPath;
use std::cmp::Ordering;
use std::collections::HashSet;

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Why a candidate counts as near the order.
#[derive(Debug, Clone, PartialEq)]
pub enum Nearness {
    /// Both have coordinates, this many metres apart (within the radius).
    Distance(f64),
    /// The same address, and at least one of the two has no coordinates.
    SameAddress,
    /// At least one has no coordinates and their regions do not exclude each other: this
    /// unit holds both (the broader of the two regions).
    SamePlace(UnitPath),
}

/// A candidate accepted by the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub order_id: OrderId,
    /// Estimated text similarity, 0–1.
    pub similarity: f32,
    pub nearness: Nearness,
    /// Metres apart when both have coordinates.
    pub distance_m: Option<f64>,
    /// How much earlier than the order the candidate was registered (negative: later).
    pub age: Duration,
}

/// Great-circle distance in metres.
pub fn haversine_m(a: Point, b: Point) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A box of degrees that holds every point within `radius_m` of `p` (with a small margin).
pub fn bounding_box(p: Point, radius_m: f64) -> Near {
    let dlat = (radius_m * 1.01 / EARTH_RADIUS_M).to_degrees();
    let cos = p.lat.to_radians().cos();
    let dlon = if cos < 1e-6 {
        360.0
    } else {
        (dlat / cos).min(360.0)
    };
    Near::Box {
        min_lat: (p.lat - dlat).max(-90.0),
        max_lat: (p.lat + dlat).min(90.0),
        min_lon: (p.lon - dlon).max(-180.0),
        max_lon: (p.lon + dlon).min(180.0),
    }
}

/// Whether `cand` is near `probe`, and how; `None` when the rule rules it out.
fn nearness(probe: &OrderSketch, cand: &OrderSketch, s: &DuplicateSettings) -> Option<Nearness> {
    if let (Some(a), Some(b)) = (probe.point, cand.point) {
        let d = haversine_m(a, b);
        return (d <= s.radius_m).then_some(Nearness::Distance(d));
    }
    if probe.address_key.is_some() && probe.address_key == cand.address_key {
        return Some(Nearness::SameAddress);
    }
    if probe.region.contains(&cand.region) {
        Some(Nearness::SamePlace(probe.region.clone()))
    } else if cand.region.contains(&probe.region) {
        Some(Nearness::SamePlace(cand.region.clone()))
    } else {
        None
    }
}

/// Whether two paths start at the same root (`/<root id>/…`).
fn same_tree(a: &UnitPath, b: &UnitPath) -> bool {
    fn root(p: &UnitPath) -> Option<&str> {
        p.as_str().split('/').find(|s| !s.is_empty())
    }
    root(a).is_some() && root(a) == root(b)
}

/// Applies the rule to one stored order, given the similarity of the two texts.
pub fn compare(
    probe: &OrderSketch,
    cand: &OrderSketch,
    s: &DuplicateSettings,
    similarity: f32,
) -> Option<Match> {
    if cand.order_id == probe.order_id || !similarity.is_finite() || similarity < s.threshold {
        return None;
    }
    let age = probe.created_at - cand.created_at;
    if age.abs() > s.window() || !same_tree(&probe.region, &cand.region) {
        return None;
    }
    let nearness = nearness(probe, cand, s)?;
    let distance_m = match nearness {
        Nearness::Distance(d) => Some(d),
        _ => None,
    };
    Some(Match {
        order_id: cand.order_id,
        similarity,
        nearness,
        distance_m,
        age,
    })
}

/// The accepted candidates among `cands`, most similar first, then nearest, then closest in
/// time; each order once, at most `s.max_candidates`.
pub fn rank(
    probe: &OrderSketch,
    cands: &[OrderSketch],
    s: &DuplicateSettings,
    sketcher: &dyn TextSketcher,
) -> Vec<Match> {
    let mut seen = HashSet::new();
    let mut out: Vec<Match> = cands
        .iter()
        .filter(|c| seen.insert(c.order_id))
        .filter(|c| c.method == probe.method)
        .filter_map(|c| {
            let sim = sketcher.similarity(&probe.sketch, &c.sketch);
            compare(probe, c, s, sim)
        })
        .collect();
    out.sort_by(|a, b| {
        b.similarity
            .total_cmp(&a.similarity)
            .then_with(|| {
                let d = |m: &Match| m.distance_m.unwrap_or(f64::INFINITY);
                d(a).partial_cmp(&d(b)).unwrap_or(Ordering::Equal)
            })
            .then_with(|| a.age.abs().cmp(&b.age.abs()))
            .then_with(|| a.order_id.cmp(&b.order_id))
    });
    out.truncate(s.max_candidates);
    out
}

/// One line for the operator: `内容相似度 86%；相距约 120 米；比本件早 3 天受理；办理中`.
/// `place` names the unit of a [`Nearness::SamePlace`]; `status` is the candidate's status.
pub fn reason(m: &Match, place: Option<&str>, status: &str) -> String {
    let near = match &m.nearness {
        Nearness::Distance(d) if *d < 10.0 => "相距不足 10 米".to_owned(),
        Nearness::Distance(d) if *d < 1000.0 => {
            format!("相距约 {} 米", ((d / 10.0).round() * 10.0) as i64)
        }
        Nearness::Distance(d) => format!("相距约 {:.1} 公里", d / 1000.0),
        Nearness::SameAddress => "地址相同".to_owned(),
        Nearness::SamePlace(_) => format!("同在{}", place.unwrap_or("本区县")),
    };
    format!(
        "内容相似度 {:.0}%；{near}；{}；{status}",
        f64::from(m.similarity) * 100.0,
        age_zh(m.age)
    )
}

fn age_zh(age: Duration) -> String {
    let a = age.abs();
    let span = if a >= Duration::days(1) {
        format!("{} 天", a.num_days())
    } else if a >= Duration::hours(1) {
        format!("{} 小时", a.num_hours())
    } else if a >= Duration::minutes(1) {
        format!("{} 分钟", a.num_minutes())
    } else {
        return "与本件同时受理".to_owned();
    };
    if age > Duration::zero() {
        format!("比本件早 {span}受理")
    } else {
        format!("比本件晚 {span}受理")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::duplicates::{ancestor_paths, queries};
    use chrono::{DateTime, Utc};
    use jiceng_kernel::ids::UnitId;

    struct Exact;
    impl TextSketcher for Exact {
        fn method(&self) -> &str {
            "exact"
        }
        fn sketch(&self, text: &str) -> Vec<u64> {
            text.chars().map(u64::from).collect()
        }
        fn similarity(&self, a: &[u64], b: &[u64]) -> f32 {
            if !a.is_empty() && a == b { 1.0 } else { 0.0 }
        }
    }

    fn id(n: u128) -> UnitId {
        UnitId(uuid::Uuid::from_u128(n))
    }

    fn t(days: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000, 0).unwrap() + Duration::days(days)
    }

    fn sketch(n: u128, region: &UnitPath, at: i64, point: Option<(f64, f64)>) -> OrderSketch {
        OrderSketch {
            order_id: OrderId(uuid::Uuid::from_u128(n)),
            region: region.clone(),
            created_at: t(at),
            point: point.map(|(lat, lon)| Point { lat, lon }),
            address_key: None,
            method: "exact".into(),
            sketch: vec![1, 2, 3],
        }
    }

    #[test]
    fn distances_are_great_circle_metres() {
        let a = Point {
            lat: 30.46,
            lon: 106.63,
        };
        let north = Point {
            lat: 30.461,
            lon: 106.63,
        };
        assert!((haversine_m(a, north) - 111.2).abs() < 0.5);
        assert_eq!(haversine_m(a, a), 0.0);
        let beijing = Point {
            lat: 39.9042,
            lon: 116.4074,
        };
        let shanghai = Point {
            lat: 31.2304,
            lon: 121.4737,
        };
        let d = haversine_m(beijing, shanghai) / 1000.0;
        assert!((d - 1067.0).abs() < 5.0, "{d}");
        let Near::Box {
            min_lat,
            max_lat,
            min_lon,
            max_lon,
        } = bounding_box(a, 500.0)
        else {
            panic!()
        };
        for bearing in 0..36 {
            let r = f64::from(bearing) * 10f64.to_radians();
            let p = Point {
                lat: a.lat + 0.0045 * r.cos(),
                lon: a.lon + 0.0052 * r.sin(),
            };
            if haversine_m(a, p) <= 500.0 {
                assert!(p.lat >= min_lat && p.lat <= max_lat);
                assert!(p.lon >= min_lon && p.lon <= max_lon);
            }
        }
        let pole = bounding_box(
            Point {
                lat: 90.0,
                lon: 0.0,
            },
            500.0,
        );
        assert!(
            matches!(pole, Near::Box { min_lon, max_lon, .. } if min_lon == -180.0 && max_lon == 180.0)
        );
    }

    #[test]
    fn the_rule_needs_county_window_nearness_and_similarity() {
        let s = DuplicateSettings::default();
        let county = UnitPath::root(id(1));
        let town_a = county.child(id(2));
        let town_b = county.child(id(3));
        let comm = town_a.child(id(4));
        let other_county = UnitPath::root(id(9));
        let probe = sketch(100, &comm, 0, Some((30.46, 106.63)));
        let near = sketch(1, &town_a, -3, Some((30.462, 106.63)));
        let m = compare(&probe, &near, &s, 0.9).unwrap();
        assert!(matches!(m.nearness, Nearness::Distance(d) if (d - 222.4).abs() < 1.0));
        assert_eq!(m.age, Duration::days(3));
        assert!(
            compare(&probe, &near, &s, 0.39).is_none(),
            "below threshold"
        );
        let far = sketch(2, &comm, -1, Some((30.47, 106.63)));
        assert!(compare(&probe, &far, &s, 1.0).is_none(), "1.1 km away");
        let old = sketch(3, &comm, -31, Some((30.46, 106.63)));
        assert!(
            compare(&probe, &old, &s, 1.0).is_none(),
            "outside the window"
        );
        let later = sketch(4, &comm, 29, Some((30.46, 106.63)));
        assert!(compare(&probe, &later, &s, 1.0).is_some(), "a later report");
        let elsewhere = sketch(5, &other_county, 0, None);
        assert!(
            compare(&probe, &elsewhere, &s, 1.0).is_none(),
            "other county"
        );
        let unlocated_b = sketch(6, &town_b, 0, None);
        assert!(
            compare(&probe, &unlocated_b, &s, 1.0).is_none(),
            "other town"
        );
        let unlocated_county = sketch(7, &county, 0, None);
        let m = compare(&probe, &unlocated_county, &s, 1.0).unwrap();
        assert_eq!(m.nearness, Nearness::SamePlace(county.clone()));
        let mut same_address = sketch(8, &town_b, 0, None);
        same_address.address_key = Some("滨江路12号".into());
        let mut p2 = probe.clone();
        p2.address_key = Some("滨江路12号".into());
        assert_eq!(
            compare(&p2, &same_address, &s, 1.0).unwrap().nearness,
            Nearness::SameAddress
        );
        assert!(compare(&probe, &probe, &s, 1.0).is_none(), "not itself");
        assert!(compare(&probe, &near, &s, f32::NAN).is_none());
    }

    #[test]
    fn ranking_is_by_similarity_then_distance_then_time() {
        let s = DuplicateSettings {
            max_candidates: 2,
            ..Default::default()
        };
        let county = UnitPath::root(id(1));
        let probe = sketch(100, &county, 0, Some((30.46, 106.63)));
        let mut a = sketch(1, &county, -2, Some((30.4601, 106.63)));
        let b = sketch(2, &county, -1, Some((30.463, 106.63)));
        let c = sketch(3, &county, -1, Some((30.4601, 106.63)));
        a.sketch = vec![9];
        let got = rank(&probe, &[a, b.clone(), c, b], &s, &Exact);
        let ids: Vec<u128> = got.iter().map(|m| m.order_id.0.as_u128()).collect();
        assert_eq!(ids, vec![3, 2], "a differs in text; c is nearer than b");
    }

    #[test]
    fn reasons_read_as_one_line() {
        let m = Match {
            order_id: OrderId(uuid::Uuid::nil()),
            similarity: 0.857,
            nearness: Nearness::Distance(123.0),
            distance_m: Some(123.0),
            age: Duration::days(3) + Duration::hours(2),
        };
        assert_eq!(
            reason(&m, None, "办理中"),
            "内容相似度 86%；相距约 120 米；比本件早 3 天受理；办理中"
        );
        let m = Match {
            nearness: Nearness::SamePlace(UnitPath::root(id(1))),
            age: -Duration::minutes(90),
            ..m
        };
        assert_eq!(
            reason(&m, Some("滨江社区"), "待派单"),
            "内容相似度 86%；同在滨江社区；比本件晚 1 小时受理；待派单"
        );
        let m = Match {
            nearness: Nearness::Distance(2345.0),
            age: Duration::seconds(5),
            ..m
        };
        assert!(reason(&m, None, "x").contains("相距约 2.3 公里；与本件同时受理"));
    }

    #[test]
    fn queries_cover_box_place_and_address() {
        let county = UnitPath::root(id(1));
        let comm = county.child(id(2)).child(id(3));
        assert_eq!(
            ancestor_paths(&comm),
            vec![county.clone(), county.child(id(2))]
        );
        assert!(ancestor_paths(&county).is_empty());
        let mut probe = sketch(100, &comm, 0, Some((30.46, 106.63)));
        probe.address_key = Some("滨江路12号".into());
        let q = queries(&probe, &DuplicateSettings::default(), 500);
        assert_eq!(q.len(), 4);
        assert!(matches!(q[0].near, Near::Box { .. }) && !q[0].unlocated_only);
        assert!(q[1..].iter().all(|q| q.unlocated_only));
        assert_eq!(q[0].from, t(-30));
        assert_eq!(q[0].to, t(30));
        let bare = sketch(100, &county, 0, None);
        let q = queries(&bare, &DuplicateSettings::default(), 500);
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].near, Near::Within(county));
        assert!(!q[0].unlocated_only);
    }

    #[test]
    fn settings_are_checked() {
        assert!(DuplicateSettings::default().check().is_ok());
        for bad in [
            DuplicateSettings {
                radius_m: f64::NAN,
                ..Default::default()
            },
            DuplicateSettings {
                window_days: 0,
                ..Default::default()
            },
            DuplicateSettings {
                threshold: 0.0,
                ..Default::default()
            },
            DuplicateSettings {
                max_candidates: 0,
                ..Default::default()
            },
        ] {
            assert_eq!(bad.check().unwrap_err().code, "duplicates.invalid_settings");
        }
        assert_eq!(
            crate::duplicates::address_key(" 滨江路１２号 (东门) "),
            Some("滨江路12号东门".into())
        );
        assert_eq!(crate::duplicates::address_key("12号"), None);
    }
}
