//! Ring checks: a boundary ring that crosses itself (a "bow tie") has no well-defined inside,
//! so point location on it would be arbitrary. Touching at a vertex is tolerated: real
//! survey data has it and point-in-polygon stays well defined.

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Coord, Line};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// Consecutive duplicate points removed; the closing point kept.
pub(crate) fn dedup(ring: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.len());
    for c in ring {
        if out.last() != Some(c) {
            out.push(*c);
        }
    }
    out
}

/// A ring split at a self-crossing smaller than this share of the rest is a digitising
/// artefact (Taipei's official village outlines have two, each under a square metre).
const SLIVER_SHARE: f64 = 1e-3;

/// The ring with its sliver loops cut off, and how many were cut; or the point where it
/// crosses itself in earnest (a bow tie, an overlap along an edge).
pub(crate) fn repair_slivers(
    mut pts: Vec<Coord<f64>>,
) -> Result<(Vec<Coord<f64>>, usize), Coord<f64>> {
    for repaired in 0..16 {
        let Some(c) = self_crossing(&pts) else {
            return Ok((pts, repaired));
        };
        let Crossing::Point { i, j, at } = c else {
            return Err(c.at());
        };
        // The ring is a figure of eight at `at`: one loop runs through vertices i+1..=j, the
        // other through the rest.
        let mut inner = vec![at];
        inner.extend_from_slice(&pts[i + 1..=j]);
        inner.push(at);
        let mut outer = pts[..=i].to_vec();
        outer.push(at);
        outer.extend_from_slice(&pts[j + 1..]);
        let (a_in, a_out) = (area(&inner), area(&outer));
        pts = if a_in <= SLIVER_SHARE * a_out {
            dedup(&outer)
        } else if a_out <= SLIVER_SHARE * a_in {
            dedup(&inner)
        } else {
            return Err(at);
        };
        if pts.len() < 4 {
            return Err(at);
        }
    }
    self_crossing(&pts).map_or(Ok((pts, 16)), |c| Err(c.at()))
}

fn area(pts: &[Coord<f64>]) -> f64 {
    pts.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum::<f64>()
        .abs()
        / 2.0
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Crossing {
    /// Segments i and j (i < j) cross at one point.
    Point { i: usize, j: usize, at: Coord<f64> },
    /// Two segments overlap along a stretch starting at `at`.
    Overlap { at: Coord<f64> },
}

impl Crossing {
    pub(crate) fn at(self) -> Coord<f64> {
        match self {
            Self::Point { at, .. } | Self::Overlap { at } => at,
        }
    }
}

/// Where a closed, de-duplicated ring crosses or overlaps itself, if it does.
///
/// Segments go into an R-tree so the check is about O(n log n) rather than the O(n²) of
/// comparing every pair: district outlines have tens of thousands of vertices.
pub(crate) fn self_crossing(pts: &[Coord<f64>]) -> Option<Crossing> {
    if pts.len() < 4 {
        return None;
    }
    let segs: Vec<Line<f64>> = pts.windows(2).map(|w| Line::new(w[0], w[1])).collect();
    let last = segs.len() - 1;
    let boxes: Vec<_> = segs
        .iter()
        .enumerate()
        .map(|(i, s)| GeomWithData::new(rect(s), i))
        .collect();
    let tree = RTree::bulk_load(boxes);
    for (i, s) in segs.iter().enumerate() {
        let env = AABB::from_corners([s.start.x, s.start.y], [s.end.x, s.end.y]);
        for other in tree.locate_in_envelope_intersecting(&env) {
            let j = other.data;
            let adjacent = j == i + 1 || (i == 0 && j == last);
            if j <= i {
                continue;
            }
            match line_intersection(*s, segs[j]) {
                Some(LineIntersection::SinglePoint {
                    intersection,
                    is_proper: true,
                }) if !adjacent => {
                    return Some(Crossing::Point {
                        i,
                        j,
                        at: intersection,
                    });
                }
                // Overlapping along a stretch: the ring doubles back over itself.
                Some(LineIntersection::Collinear { intersection })
                    if intersection.start != intersection.end && !adjacent =>
                {
                    return Some(Crossing::Overlap {
                        at: intersection.start,
                    });
                }
                _ => {}
            }
        }
    }
    None
}

fn rect(s: &Line<f64>) -> Rectangle<[f64; 2]> {
    Rectangle::from_corners([s.start.x, s.start.y], [s.end.x, s.end.y])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(p: &[(f64, f64)]) -> Vec<Coord<f64>> {
        p.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    #[test]
    fn bow_tie_is_found_and_square_is_not() {
        let square = ring(&[(0., 0.), (1., 0.), (1., 1.), (0., 1.), (0., 0.)]);
        assert_eq!(self_crossing(&square), None);
        let bow = ring(&[(0., 0.), (1., 1.), (1., 0.), (0., 1.), (0., 0.)]);
        let at = self_crossing(&bow).unwrap().at();
        assert!((at.x - 0.5).abs() < 1e-12 && (at.y - 0.5).abs() < 1e-12);
        // Both halves are equal: no repair can tell which one is meant.
        assert!(repair_slivers(bow).is_err());
    }

    #[test]
    fn touching_vertex_is_tolerated_overlap_is_not() {
        // Two squares touching at (1, 1), drawn as one ring.
        let touch = ring(&[
            (0., 0.),
            (1., 0.),
            (1., 1.),
            (2., 1.),
            (2., 2.),
            (1., 2.),
            (1., 1.),
            (0., 1.),
            (0., 0.),
        ]);
        assert_eq!(self_crossing(&touch), None);
        let doubled = ring(&[
            (0., 0.),
            (3., 0.),
            (3., 1.),
            (2., 1.),
            (2., 0.),
            (1., 0.),
            (1., 1.),
            (0., 1.),
            (0., 0.),
        ]);
        assert!(self_crossing(&doubled).is_some());
    }

    #[test]
    fn sliver_twists_are_cut_off() {
        // A 10 × 10 square whose top edge overshoots to (4, 10) and doubles back across itself.
        let twisted = ring(&[
            (0., 0.),
            (10., 0.),
            (10., 10.),
            (6., 10.),
            (4., 10.),
            (5., 10.001),
            (5., 9.999),
            (0., 10.),
            (0., 0.),
        ]);
        assert!(self_crossing(&twisted).is_some());
        let (fixed, n) = repair_slivers(twisted).unwrap();
        assert_eq!(n, 1);
        assert_eq!(self_crossing(&fixed), None);
        assert!((area(&fixed) - 100.0).abs() < 0.01);
    }

    #[test]
    fn repeated_points_do_not_count_as_crossings() {
        let r = dedup(&ring(&[
            (0., 0.),
            (1., 0.),
            (1., 0.),
            (1., 1.),
            (0., 1.),
            (0., 0.),
        ]));
        assert_eq!(r.len(), 5);
        assert_eq!(self_crossing(&r), None);
    }
}
