//! Point location: an R-tree over the areas' bounding boxes narrows a point to a few
//! candidates, and an exact point-in-polygon test (holes respected) decides among them.

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{BoundingRect, Coord, CoordsIter, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use std::cmp::Ordering;

/// One area of the index: a unit's outline at some depth of the tree.
#[derive(Debug, Clone)]
pub struct Area<K> {
    pub key: K,
    /// Depth in the unit tree: a larger number is a finer area (town 1, community 2, grid 3).
    pub depth: u8,
    pub shape: MultiPolygon<f64>,
}

/// Where a point lies relative to an area that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Inside,
    /// On an edge or vertex: shared boundaries go to the area with the smallest key, so the
    /// same point always lands in the same area.
    OnBoundary,
}

#[derive(Debug, Clone, Copy)]
pub struct Hit<'a, K> {
    pub area: &'a Area<K>,
    pub position: Position,
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

#[derive(Debug)]
pub struct AreaIndex<K> {
    areas: Vec<Area<K>>,
    tree: RTree<Entry>,
}

impl<K: Ord> AreaIndex<K> {
    /// Builds the index; areas without any coordinate are left out.
    pub fn build(mut areas: Vec<Area<K>>) -> Self {
        areas.sort_by(|a, b| a.key.cmp(&b.key));
        let entries: Vec<Entry> = areas
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let r = a.shape.bounding_rect()?;
                let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                Some(GeomWithData::new(rect, u32::try_from(i).ok()?))
            })
            .collect();
        Self {
            tree: RTree::bulk_load(entries),
            areas,
        }
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    pub fn areas(&self) -> &[Area<K>] {
        &self.areas
    }

    /// Every area holding the point, finest first; at one depth, inside before boundary,
    /// then by key.
    pub fn locate_all(&self, lon: f64, lat: f64) -> Vec<Hit<'_, K>> {
        if !lon.is_finite() || !lat.is_finite() {
            return Vec::new();
        }
        let c = Coord { x: lon, y: lat };
        let mut hits: Vec<Hit<'_, K>> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point([lon, lat]))
            .filter_map(|e| self.areas.get(e.data as usize))
            .filter_map(|area| hit(area, &c))
            .collect();
        hits.sort_by(rank);
        hits
    }

    /// The finest area holding the point.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<Hit<'_, K>> {
        self.locate_all(lon, lat).into_iter().next()
    }

    /// One area per depth, finest first: grid → community → town when those are loaded.
    pub fn locate_chain(&self, lon: f64, lat: f64) -> Vec<Hit<'_, K>> {
        let mut chain: Vec<Hit<'_, K>> = Vec::new();
        for h in self.locate_all(lon, lat) {
            if chain.last().is_none_or(|l| l.area.depth != h.area.depth) {
                chain.push(h);
            }
        }
        chain
    }

    /// The same answer as [`Self::locate`] by testing every polygon: the baseline the index is
    /// measured against.
    pub fn locate_linear(&self, lon: f64, lat: f64) -> Option<Hit<'_, K>> {
        let c = Coord { x: lon, y: lat };
        self.areas.iter().filter_map(|a| hit(a, &c)).min_by(rank)
    }

    /// Approximate heap bytes: coordinates, ring headers and tree entries.
    pub fn memory_bytes(&self) -> usize {
        let coords: usize = self.areas.iter().map(|a| a.shape.coords_count()).sum();
        let rings: usize = self
            .areas
            .iter()
            .flat_map(|a| a.shape.0.iter())
            .map(|p| 1 + p.interiors().len())
            .sum();
        coords * std::mem::size_of::<Coord<f64>>()
            + rings * 3 * std::mem::size_of::<usize>()
            + self.areas.len() * std::mem::size_of::<Area<K>>()
            // rstar nodes: entries plus roughly one parent entry per 6 (its default fan-out).
            + self.tree.size() * std::mem::size_of::<Entry>() * 7 / 6
    }
}

fn hit<'a, K>(area: &'a Area<K>, c: &Coord<f64>) -> Option<Hit<'a, K>> {
    let position = match area.shape.coordinate_position(c) {
        CoordPos::Inside => Position::Inside,
        CoordPos::OnBoundary => Position::OnBoundary,
        CoordPos::Outside => return None,
    };
    Some(Hit { area, position })
}

fn rank<K: Ord>(a: &Hit<'_, K>, b: &Hit<'_, K>) -> Ordering {
    let inside = |h: &Hit<'_, K>| h.position != Position::Inside;
    b.area
        .depth
        .cmp(&a.area.depth)
        .then(inside(a).cmp(&inside(b)))
        .then(a.area.key.cmp(&b.area.key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString<f64> {
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
    }

    fn area(key: &'static str, depth: u8, p: Polygon<f64>) -> Area<&'static str> {
        Area {
            key,
            depth,
            shape: MultiPolygon(vec![p]),
        }
    }

    fn index() -> AreaIndex<&'static str> {
        AreaIndex::build(vec![
            // A town with a hole (a lake) and two communities side by side sharing x = 1.
            area(
                "town",
                1,
                Polygon::new(square(0., 0., 2., 1.), vec![square(1.6, 0.4, 1.8, 0.6)]),
            ),
            area("west", 2, Polygon::new(square(0., 0., 1., 1.), vec![])),
            area("east", 2, Polygon::new(square(1., 0., 2., 1.), vec![])),
        ])
    }

    #[test]
    fn finest_area_and_chain() {
        let ix = index();
        assert_eq!(ix.locate(0.5, 0.5).unwrap().area.key, "west");
        let chain: Vec<_> = ix
            .locate_chain(1.2, 0.2)
            .iter()
            .map(|h| h.area.key)
            .collect();
        assert_eq!(chain, vec!["east", "town"]);
        assert!(ix.locate(3., 3.).is_none());
        assert!(ix.locate(f64::NAN, 0.5).is_none());
    }

    #[test]
    fn holes_are_outside() {
        let ix = index();
        let chain: Vec<_> = ix
            .locate_chain(1.7, 0.5)
            .iter()
            .map(|h| h.area.key)
            .collect();
        assert_eq!(chain, vec!["east"], "the lake is not part of the town");
    }

    #[test]
    fn shared_boundary_goes_to_smallest_key_every_time() {
        let ix = index();
        for _ in 0..3 {
            let h = ix.locate(1.0, 0.5).unwrap();
            assert_eq!((h.area.key, h.position), ("east", Position::OnBoundary));
        }
        assert_eq!(ix.locate_linear(1.0, 0.5).unwrap().area.key, "east");
    }
}
