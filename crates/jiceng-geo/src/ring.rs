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

/// Where a closed, de-duplicated ring crosses or overlaps itself, if it does.
///
/// Segments go into an R-tree so the check is about O(n log n) rather than the O(n²) of
/// comparing every pair: district outlines have tens of thousands of vertices.
pub(crate) fn self_crossing(pts: &[Coord<f64>]) -> Option<Coord<f64>> {
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
                }) if !adjacent => return Some(intersection),
                // Overlapping along a stretch: the ring doubles back over itself.
                Some(LineIntersection::Collinear { intersection })
                    if intersection.start != intersection.end && !adjacent =>
                {
                    return Some(intersection.start);
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
        let at = self_crossing(&bow).unwrap();
        assert!((at.x - 0.5).abs() < 1e-12 && (at.y - 0.5).abs() < 1e-12);
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
