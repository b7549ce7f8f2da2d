//! Near-duplicate texts: a bottom-k MinHash sketch of character 3-gram shingles. Two
//! sketches estimate the Jaccard similarity of the shingle sets in O(k), so a new order can
//! be compared with thousands of recent ones at registration; texts shorter than k
//! shingles are compared exactly.

use crate::features::{ngram_hashes, normalise};

/// Shingles kept per text: the k smallest hashes.
pub const SKETCH: usize = 128;
const SHINGLE: usize = 3;
/// Longest text read, in characters: a re-posted complaint repeats its opening.
const MAX_CHARS: usize = 5000;
/// At or above this similarity two texts are proposed as the same matter (see the
/// sample measured in tests/dedup.rs).
pub const DEFAULT_THRESHOLD: f32 = 0.4;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint {
    /// Sorted, distinct, at most `SKETCH` long.
    sketch: Vec<u64>,
}

impl Fingerprint {
    pub fn of(text: &str) -> Self {
        let chars = normalise(text, MAX_CHARS, true);
        let mut hashes = Vec::new();
        ngram_hashes(
            &chars,
            SHINGLE.min(chars.len()).max(1),
            SHINGLE,
            &mut hashes,
        );
        hashes.sort_unstable();
        hashes.dedup();
        hashes.truncate(SKETCH);
        Self { sketch: hashes }
    }

    pub fn is_empty(&self) -> bool {
        self.sketch.is_empty()
    }

    /// The sketch as stored values (to keep it in a database column).
    pub fn as_slice(&self) -> &[u64] {
        &self.sketch
    }

    /// A fingerprint kept earlier with `as_slice`; re-sorted and trimmed so any input is safe.
    pub fn from_slice(values: &[u64]) -> Self {
        let mut sketch = values.to_vec();
        sketch.sort_unstable();
        sketch.dedup();
        sketch.truncate(SKETCH);
        Self { sketch }
    }
}

/// Estimated Jaccard similarity of the two texts' shingle sets, in [0, 1]; 0 when either
/// text has nothing to compare.
pub fn similarity(a: &Fingerprint, b: &Fingerprint) -> f32 {
    sketch_similarity(&a.sketch, &b.sketch)
}

/// [`similarity`] of two sorted sketches as stored (`Fingerprint::as_slice`). Unsorted input
/// gives a meaningless number, never a panic.
pub fn sketch_similarity(x: &[u64], y: &[u64]) -> f32 {
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    // The k smallest of the union are a uniform sample of it; count those in both.
    let (mut i, mut j, mut union, mut both) = (0, 0, 0usize, 0usize);
    while union < SKETCH && (i < x.len() || j < y.len()) {
        match (x.get(i), y.get(j)) {
            (Some(p), Some(q)) if p == q => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(p), Some(q)) if p < q => i += 1,
            (Some(_), None) => i += 1,
            _ => j += 1,
        }
        union += 1;
    }
    both as f32 / union.max(1) as f32
}

/// Names the sketches [`Fingerprint::of`] makes; change it whenever they change, so that
/// stored sketches are computed again rather than compared with new ones.
pub const METHOD: &str = "minhash-char3-k128-v1";

/// Duplicate detection's sketcher: [`Fingerprint::of`] and [`sketch_similarity`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MinHash;

impl jiceng_orders::duplicates::TextSketcher for MinHash {
    fn method(&self) -> &str {
        METHOD
    }

    fn sketch(&self, text: &str) -> Vec<u64> {
        Fingerprint::of(text).sketch
    }

    fn similarity(&self, a: &[u64], b: &[u64]) -> f32 {
        sketch_similarity(a, b)
    }
}
