//! Chinese map coordinate systems to WGS-84.
//!
//! Maps published in China use GCJ-02 (国测局, AMap/Tencent) or Baidu's BD-09; GPS and the rest
//! of the world use WGS-84. Everything is stored in WGS-84, so input is converted on ingest with
//! the standard published formulas (Krasovsky ellipsoid offsets; Baidu's rotation on top).
//! Points outside China's bounding rectangle are left untouched, as those maps do.

use std::f64::consts::PI;

/// The coordinate system of input coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Crs {
    #[default]
    Wgs84,
    Gcj02,
    Bd09,
}

impl Crs {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "wgs84" | "epsg4326" | "crs84" => Some(Self::Wgs84),
            "gcj02" => Some(Self::Gcj02),
            "bd09" | "bd09ll" => Some(Self::Bd09),
            _ => None,
        }
    }

    /// Converts one `(lon, lat)` of this system to WGS-84.
    pub fn to_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Self::Gcj02 => gcj02_to_wgs84(lon, lat),
            Self::Bd09 if in_china(lon, lat) => {
                let (lon, lat) = bd09_to_gcj02(lon, lat);
                gcj02_to_wgs84(lon, lat)
            }
            Self::Wgs84 | Self::Bd09 => (lon, lat),
        }
    }
}

const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;
const X_PI: f64 = PI * 3000.0 / 180.0;

/// The rectangle the GCJ-02 offset is applied in.
pub fn in_china(lon: f64, lat: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// The GCJ-02 offset `(dlon, dlat)` at a WGS-84 point.
fn gcj_offset(lon: f64, lat: f64) -> (f64, f64) {
    let dlat = transform_lat(lon - 105.0, lat - 35.0);
    let dlon = transform_lon(lon - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let magic = 1.0 - EE * radlat.sin() * radlat.sin();
    let sqrtmagic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * PI);
    let dlon = (dlon * 180.0) / (A / sqrtmagic * radlat.cos() * PI);
    (dlon, dlat)
}

pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    let (dlon, dlat) = gcj_offset(lon, lat);
    (lon + dlon, lat + dlat)
}

/// Inverts [`wgs84_to_gcj02`] by fixed-point iteration: the one-step inverse common in
/// libraries is off by up to ~2 m; a few rounds bring it under a millimetre.
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    let (mut wlon, mut wlat) = (lon, lat);
    for _ in 0..8 {
        let (glon, glat) = wgs84_to_gcj02(wlon, wlat);
        let (elon, elat) = (glon - lon, glat - lat);
        wlon -= elon;
        wlat -= elat;
        if elon.abs() < 1e-10 && elat.abs() < 1e-10 {
            break;
        }
    }
    (wlon, wlat)
}

/// Baidu's published inverse (about 6 cm off), refined against [`gcj02_to_bd09`].
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (mut glon, mut glat) = bd09_to_gcj02_published(lon, lat);
    for _ in 0..4 {
        let (blon, blat) = gcj02_to_bd09(glon, glat);
        glon -= blon - lon;
        glat -= blat - lat;
    }
    (glon, glat)
}

fn bd09_to_gcj02_published(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon - 0.0065;
    let y = lat - 0.006;
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    (z * theta.cos(), z * theta.sin())
}

pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64), tol: f64) -> bool {
        (a.0 - b.0).abs() < tol && (a.1 - b.1).abs() < tol
    }

    // Reference values: the test outputs published with wandergis/coordtransform (MIT), the
    // library most Chinese web maps use, for 天安门 (116.404, 39.915).
    #[test]
    fn published_reference_points() {
        let gcj = wgs84_to_gcj02(116.404, 39.915);
        assert!(
            close(gcj, (116.41024449916938, 39.91640428150164), 1e-9),
            "{gcj:?}"
        );
        let gcj = bd09_to_gcj02_published(116.404, 39.915);
        assert!(
            close(gcj, (116.39762729119315, 39.90865673957631), 1e-9),
            "{gcj:?}"
        );
        // The refined inverse differs from the published one by centimetres only.
        assert!(close(bd09_to_gcj02(116.404, 39.915), gcj, 1e-6));
        let bd = gcj02_to_bd09(116.404, 39.915);
        assert!(
            close(bd, (116.41036949371029, 39.92133699351021), 1e-9),
            "{bd:?}"
        );
    }

    #[test]
    fn inverses_round_trip_to_a_millimetre() {
        // 1e-8 degrees is about 1 mm.
        let wgs = gcj02_to_wgs84(116.41024449916938, 39.91640428150164);
        assert!(close(wgs, (116.404, 39.915), 1e-8), "{wgs:?}");
        let bd = gcj02_to_bd09(116.41024449916938, 39.91640428150164);
        let wgs = Crs::Bd09.to_wgs84(bd.0, bd.1);
        assert!(close(wgs, (116.404, 39.915), 1e-8), "{wgs:?}");
        // 广安区 (106.63, 30.47): a real county of the demo.
        let (lon, lat) = wgs84_to_gcj02(106.63, 30.47);
        assert!(close(gcj02_to_wgs84(lon, lat), (106.63, 30.47), 1e-8));
    }

    #[test]
    fn outside_china_is_untouched() {
        // Boston.
        assert_eq!(Crs::Gcj02.to_wgs84(-71.06, 42.36), (-71.06, 42.36));
        assert_eq!(Crs::Bd09.to_wgs84(-71.06, 42.36), (-71.06, 42.36));
        assert_eq!(Crs::parse("GCJ-02"), Some(Crs::Gcj02));
        assert_eq!(Crs::parse("bd09"), Some(Crs::Bd09));
        assert_eq!(Crs::parse("utm"), None);
    }
}
