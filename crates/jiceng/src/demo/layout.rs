//! Synthetic grid outlines for the demo: small squares on a lattice centred on the real
//! location of 广安区, one block of the lattice per town, one strip per village.
//! Everything derives from the order of the codes: no randomness.

use crate::divisions::CountyTree;
use jiceng_kernel::org::OrgKind;
use serde_json::{Value, json};

/// Centre of 广安区, in micro-degrees (WGS-84).
const CENTRE_LAT: i64 = 30_470_000;
const CENTRE_LON: i64 = 106_630_000;
/// One lattice cell: about 400 m × 400 m at 30.5°N.
const CELL_LAT: i64 = 3_600;
const CELL_LON: i64 = 4_200;
/// Squares stop short of their cell's edges, so no two touch.
const INSET_LAT: i64 = 300;
const INSET_LON: i64 = 350;
/// A village's strip has room for its largest number of grids.
pub const MAX_GRIDS: usize = 3;
const STRIPS_PER_ROW: usize = 4;

/// How many grids a community (2–3) or village (1–2) has, from its code.
pub fn grid_count(kind: OrgKind, code: &str) -> usize {
    let seq: usize = code
        .get(code.len().saturating_sub(3)..)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    match kind {
        OrgKind::Community => 2 + seq % 2,
        _ => 1 + seq % 2,
    }
}

/// The lattice for one county tree.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    blocks_per_row: usize,
    strip_rows: usize,
    west: i64,
    north: i64,
}

impl Layout {
    pub fn new(tree: &CountyTree) -> Self {
        let towns = tree.towns.len().max(1);
        let blocks_per_row = (1..=towns).find(|n| n * n >= towns).unwrap_or(1);
        let block_rows = towns.div_ceil(blocks_per_row);
        let most = tree
            .towns
            .iter()
            .map(|t| t.villages.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let strip_rows = most.div_ceil(STRIPS_PER_ROW);
        let cols = (blocks_per_row * (STRIPS_PER_ROW * MAX_GRIDS + 1)) as i64;
        let rows = (block_rows * (strip_rows + 1)) as i64;
        Self {
            blocks_per_row,
            strip_rows,
            west: CENTRE_LON - cols * CELL_LON / 2,
            north: CENTRE_LAT + rows * CELL_LAT / 2,
        }
    }

    /// Column and row of grid `g` of village `v` in town `t` (all 0-based, in code order).
    fn cell(&self, t: usize, v: usize, g: usize) -> (i64, i64) {
        let (bx, by) = (t % self.blocks_per_row, t / self.blocks_per_row);
        let (sx, sy) = (v % STRIPS_PER_ROW, v / STRIPS_PER_ROW);
        let col = bx * (STRIPS_PER_ROW * MAX_GRIDS + 1) + sx * MAX_GRIDS + g.min(MAX_GRIDS - 1);
        let row = by * (self.strip_rows + 1) + sy;
        (col as i64, row as i64)
    }

    /// The square of one grid.
    pub fn grid(&self, t: usize, v: usize, g: usize) -> Value {
        let (col, row) = self.cell(t, v, g);
        self.rect(col, col + 1, row)
    }

    /// The outline of a village: its strip of `grids` squares.
    pub fn village(&self, t: usize, v: usize, grids: usize) -> Value {
        let (first, row) = self.cell(t, v, 0);
        let (last, _) = self.cell(t, v, grids.max(1) - 1);
        self.rect(first, last + 1, row)
    }

    /// A GeoJSON Polygon over columns `[c0, c1)` of `row`, counter-clockwise, `[lon, lat]`.
    fn rect(&self, c0: i64, c1: i64, row: i64) -> Value {
        let w = self.west + c0 * CELL_LON + INSET_LON;
        let e = self.west + c1 * CELL_LON - INSET_LON;
        let n = self.north - row * CELL_LAT - INSET_LAT;
        let s = self.north - (row + 1) * CELL_LAT + INSET_LAT;
        let p = |lon: i64, lat: i64| json!([deg(lon), deg(lat)]);
        json!({
            "type": "Polygon",
            "coordinates": [[p(w, s), p(e, s), p(e, n), p(w, n), p(w, s)]]
        })
    }
}

fn deg(micro: i64) -> f64 {
    micro as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::divisions::{Division, TownTree};

    fn tree(towns: usize, villages: usize) -> CountyTree {
        let d = |code: String| Division {
            code,
            name: "x".into(),
        };
        CountyTree {
            county: d("511602000000".into()),
            towns: (0..towns)
                .map(|t| TownTree {
                    town: d(format!("511602{t:03}000")),
                    villages: (0..villages)
                        .map(|v| d(format!("511602{t:03}{v:03}")))
                        .collect(),
                })
                .collect(),
        }
    }

    fn bounds(poly: &Value) -> (f64, f64, f64, f64) {
        let ring = poly["coordinates"][0].as_array().unwrap();
        let xs: Vec<f64> = ring.iter().map(|p| p[0].as_f64().unwrap()).collect();
        let ys: Vec<f64> = ring.iter().map(|p| p[1].as_f64().unwrap()).collect();
        let min = |v: &[f64]| v.iter().cloned().fold(f64::MAX, f64::min);
        let max = |v: &[f64]| v.iter().cloned().fold(f64::MIN, f64::max);
        (min(&xs), min(&ys), max(&xs), max(&ys))
    }

    #[test]
    fn squares_never_overlap_and_stay_near_guang_an() {
        let layout = Layout::new(&tree(25, 34));
        let mut boxes = Vec::new();
        for t in 0..25 {
            for v in 0..34 {
                for g in 0..MAX_GRIDS {
                    boxes.push(bounds(&layout.grid(t, v, g)));
                }
            }
        }
        for (i, a) in boxes.iter().enumerate() {
            assert!(
                a.0 > 106.4 && a.2 < 106.9 && a.1 > 30.3 && a.3 < 30.7,
                "{a:?}"
            );
            for b in &boxes[i + 1..] {
                let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn village_outline_holds_its_grids() {
        let layout = Layout::new(&tree(3, 5));
        let v = bounds(&layout.village(1, 2, 3));
        for g in 0..3 {
            let s = bounds(&layout.grid(1, 2, g));
            assert!(v.0 <= s.0 && v.1 <= s.1 && v.2 >= s.2 && v.3 >= s.3);
        }
        assert_eq!(grid_count(OrgKind::Community, "511602001001"), 3);
        assert_eq!(grid_count(OrgKind::Village, "511602101204"), 1);
    }
}
