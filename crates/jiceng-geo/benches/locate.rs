//! Point-in-grid lookups per second with Taipei's 456 village outlines loaded: the R-tree
//! index beside a linear scan over every polygon, measured in the same run on the same
//! points (uniform in Taipei's bounding box, fixed seed). Prints a Markdown report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_geo::{Area, AreaIndex, ReadOptions, property_text, read_features};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn load(name: &str, code: &str, depth: u8) -> (Vec<Area<String>>, Duration, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/taipei-boundaries")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared data must be beside the checkout)",
            path.display()
        )
    });
    let t = Instant::now();
    let features = read_features(&text, &ReadOptions::default()).unwrap();
    let read = t.elapsed();
    let areas = features
        .into_iter()
        .map(|f| Area {
            key: property_text(&f.properties, code).unwrap(),
            depth,
            shape: f.shape,
        })
        .collect();
    (areas, read, text.len())
}

/// Lookups per second of `f` over `points`, best of three rounds.
fn rate(points: &[(f64, f64)], mut f: impl FnMut(f64, f64) -> usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let mut found = 0;
        for &(x, y) in points {
            found += f(x, y);
        }
        black_box(found);
        best = best.min(t.elapsed().as_secs_f64());
    }
    points.len() as f64 / best
}

fn main() {
    let (villages, read_time, bytes) = load("taipei_village_456_li.geojson", "CPTVID", 2);
    let (towns, _, _) = load("taipei_town_12_districts.geojson", "CPTID", 1);
    let vertices: usize = villages
        .iter()
        .map(|a| geo::CoordsIter::coords_count(&a.shape))
        .sum();

    let mut builds = Vec::new();
    let mut index = None;
    for _ in 0..20 {
        let t = Instant::now();
        let ix = AreaIndex::build(villages.clone());
        builds.push(t.elapsed());
        index = Some(ix);
    }
    builds.sort();
    let index = index.unwrap();
    let both = AreaIndex::build(villages.iter().chain(&towns).cloned().collect());

    // Taipei's bounding box, from the district outlines.
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in towns
        .iter()
        .flat_map(|a| geo::CoordsIter::coords_iter(&a.shape))
    {
        (x0, y0, x1, y1) = (x0.min(c.x), y0.min(c.y), x1.max(c.x), y1.max(c.y));
    }
    let mut rng = StdRng::seed_from_u64(20_151_124);
    let points: Vec<(f64, f64)> = (0..200_000)
        .map(|_| (rng.gen_range(x0..x1), rng.gen_range(y0..y1)))
        .collect();
    let few = &points[..5_000];

    // Both methods must give the same answers.
    let (mut inside, mut in_city) = (0, 0);
    for &(x, y) in few {
        in_city += usize::from(both.locate_chain(x, y).iter().any(|h| h.area.depth == 1));
        let a = index.locate(x, y).map(|h| &h.area.key);
        assert_eq!(
            a,
            index.locate_linear(x, y).map(|h| &h.area.key),
            "({x}, {y})"
        );
        inside += usize::from(a.is_some());
    }

    let indexed = rate(&points, |x, y| usize::from(index.locate(x, y).is_some()));
    let linear = rate(few, |x, y| usize::from(index.locate_linear(x, y).is_some()));
    let chain = rate(&points, |x, y| both.locate_chain(x, y).len());

    println!("# Point-in-grid lookups (jiceng-geo)\n");
    println!(
        "Taipei's 456 village (里) outlines, {vertices} vertices, from `taipei_village_456_li.geojson` \
         ({:.1} MB, read and checked in {:.0} ms). Points uniform in Taipei's bounding box \
         ({x0:.3}–{x1:.3} E, {y0:.3}–{y1:.3} N), fixed seed; {:.0}% fall inside a village \
         and {:.0}% inside a district (the rest lie outside the city). One core, best of three rounds.\n",
        bytes as f64 / 1_048_576.0,
        read_time.as_secs_f64() * 1e3,
        100.0 * inside as f64 / few.len() as f64,
        100.0 * in_city as f64 / few.len() as f64
    );
    println!("| method | points | lookups/s | µs/lookup |");
    println!("|---|---:|---:|---:|");
    for (name, n, r) in [
        (
            "R-tree + exact point-in-polygon (`locate`)",
            points.len(),
            indexed,
        ),
        (
            "baseline: linear scan, exact test on every polygon",
            few.len(),
            linear,
        ),
        (
            "chain village → district, 468 areas (`locate_chain`)",
            points.len(),
            chain,
        ),
    ] {
        println!("| {name} | {n} | {r:.0} | {:.2} |", 1e6 / r);
    }
    println!(
        "\nSpeed-up of the index over the linear scan: **{:.0}×** (answers identical on {} points).\n",
        indexed / linear,
        few.len()
    );
    println!(
        "Index build (456 areas, bulk-loaded R-tree): median {:.2} ms, min {:.2} ms over 20 builds. \
         Memory estimate: {:.1} MB (coordinates, ring headers, tree entries).",
        builds[builds.len() / 2].as_secs_f64() * 1e3,
        builds[0].as_secs_f64() * 1e3,
        index.memory_bytes() as f64 / 1_048_576.0
    );
}
