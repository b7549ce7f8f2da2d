//! The weights a prediction reads, packed for speed: only buckets seen in training have a
//! row, `[idf, weight per label]`, found through an open-addressing index of (bucket, row)
//! pairs at most half full. A message touches a thousand buckets; with index and rows a few
//! MB instead of the 30 MB of a dense table, those reads stay in cache, which makes
//! prediction several times faster. Rows are kept most frequent n-gram first (lowest IDF),
//! so the rows nearly every message reads share a few hot cache lines.

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, PartialEq)]
pub struct WeightTable {
    labels: usize,
    /// Hash buckets of the feature space (a power of two).
    buckets: usize,
    /// Open addressing, linear probing: (bucket, row), or (NONE, NONE) when free.
    index: Vec<(u32, u32)>,
    /// Row r is `rows[r * (labels + 1)..][..labels + 1]`: idf, then the weights.
    rows: Vec<f32>,
    /// The bucket of each row.
    bucket_of_row: Vec<u32>,
    /// `rows` as 16-bit integers (idf / idf_scale, weight / weight_scale): what prediction
    /// reads, half the bytes of f32 and so half the cache misses, for a relative error of
    /// 1/65534 of the largest weight, far below what changes a ranking.
    packed: Vec<i16>,
    idf_scale: f32,
    weight_scale: f32,
}

impl WeightTable {
    /// From (bucket, idf) pairs in strictly ascending bucket order, below `buckets`, and
    /// `labels` weights for each; None if they are not.
    pub fn new(
        buckets: usize,
        labels: usize,
        keys: &[(u32, f32)],
        weights: &[f32],
    ) -> Option<Self> {
        let ascending = keys.windows(2).all(|w| w[0].0 < w[1].0);
        let in_range = keys
            .last()
            .is_none_or(|k| (k.0 as usize) < buckets.min(NONE as usize));
        if !ascending || !in_range || weights.len() != keys.len() * labels {
            return None;
        }
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|&a, &b| {
            keys[a]
                .1
                .total_cmp(&keys[b].1)
                .then(keys[a].0.cmp(&keys[b].0))
        });
        let slots = (keys.len() * 2).next_power_of_two().max(16);
        let mut t = Self {
            labels,
            buckets,
            index: vec![(NONE, NONE); slots],
            rows: Vec::with_capacity(keys.len() * (labels + 1)),
            bucket_of_row: Vec::with_capacity(keys.len()),
            packed: Vec::new(),
            idf_scale: 1.0,
            weight_scale: 1.0,
        };
        for (row, &k) in order.iter().enumerate() {
            let (bucket, idf) = keys[k];
            if let Err(slot) = t.find(bucket) {
                t.index[slot] = (bucket, row as u32);
            }
            t.bucket_of_row.push(bucket);
            t.rows.push(idf);
            t.rows
                .extend_from_slice(&weights[k * labels..(k + 1) * labels]);
        }
        t.pack();
        Some(t)
    }

    fn pack(&mut self) {
        let stride = self.labels + 1;
        let max = |first: bool| {
            self.rows
                .chunks_exact(stride)
                .flat_map(|r| if first { &r[..1] } else { &r[1..] })
                .fold(0.0f32, |m, v| m.max(v.abs()))
        };
        self.idf_scale = (max(true) / 32767.0).max(f32::MIN_POSITIVE);
        self.weight_scale = (max(false) / 32767.0).max(f32::MIN_POSITIVE);
        self.packed = self
            .rows
            .chunks_exact(stride)
            .flat_map(|r| {
                let idf = (r[0] / self.idf_scale).round() as i16;
                std::iter::once(idf).chain(
                    r[1..]
                        .iter()
                        .map(|w| (w / self.weight_scale).round() as i16),
                )
            })
            .collect();
    }

    fn find(&self, bucket: u32) -> Result<u32, usize> {
        let mask = self.index.len() - 1;
        let mut slot = bucket as usize & mask;
        loop {
            match self.index[slot] {
                (b, r) if b == bucket => return Ok(r),
                (NONE, _) => return Err(slot),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// (bucket, idf, weights) of every row, by bucket.
    pub fn rows(&self) -> Vec<(usize, f32, &[f32])> {
        let stride = self.labels + 1;
        let mut out: Vec<(usize, f32, &[f32])> = self
            .bucket_of_row
            .iter()
            .zip(self.rows.chunks_exact(stride))
            .map(|(&b, row)| (b as usize, row[0], &row[1..]))
            .collect();
        out.sort_unstable_by_key(|r| r.0);
        out
    }

    pub fn len(&self) -> usize {
        self.bucket_of_row.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Raw scores (before the bias) of a text's n-gram hashes: sublinear TF × IDF,
    /// L2-normalised, dotted with each label's weights, in one pass.
    pub fn scores(&self, hashes: &[u64], out: &mut [f32]) {
        let mask = (self.buckets as u64).saturating_sub(1);
        // Term counts per row in a per-thread scratch array: linear, where sorting the
        // thousand hits of a message cost a third of the prediction.
        SCRATCH.with_borrow_mut(|counts| {
            if counts.len() < self.len() {
                counts.resize(self.len(), 0);
            }
            let mut touched: Vec<u32> = Vec::with_capacity(hashes.len() / 2);
            for h in hashes {
                if let Ok(r) = self.find((h & mask) as u32)
                    && let Some(c) = counts.get_mut(r as usize)
                {
                    if *c == 0 {
                        touched.push(r);
                    }
                    *c = c.saturating_add(1);
                }
            }
            let stride = self.labels + 1;
            let mut norm_sq = 0.0f32;
            let mut dot = vec![0.0f32; self.labels];
            for r in touched {
                let n = counts.get_mut(r as usize).map_or(0, std::mem::take);
                let Some(row) = self
                    .packed
                    .get(r as usize * stride..(r as usize + 1) * stride)
                else {
                    continue;
                };
                // In units of idf_scale, which cancels out in x / |x|.
                let x = (1.0 + (n as f32).ln()) * f32::from(row[0]);
                norm_sq += x * x;
                dot.iter_mut()
                    .zip(&row[1..])
                    .for_each(|(d, &w)| *d += x * f32::from(w));
            }
            let norm = norm_sq.sqrt();
            for (o, d) in out.iter_mut().zip(dot) {
                *o += if norm > 0.0 {
                    d * self.weight_scale / norm
                } else {
                    0.0
                };
            }
        })
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}
