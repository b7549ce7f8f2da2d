//! Text → sparse vector: normalised characters, hashed character n-grams, sublinear TF × IDF,
//! L2 norm. Hashing keeps the model a fixed size and needs no vocabulary at run time.

use serde::{Deserialize, Serialize};

/// How a text becomes a vector. Stored in the model file, so a model always reads text the
/// way it was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSettings {
    /// log2 of the number of hash buckets.
    pub hash_bits: u32,
    /// Character n-gram orders, smallest and largest (inclusive).
    pub min_n: usize,
    pub max_n: usize,
    /// Each title n-gram counts this many times (the title says what the message is about).
    pub title_repeat: usize,
    /// Longest text read, in characters: a 100 KB paste classifies as its first part.
    pub max_chars: usize,
    /// Read every ASCII digit as `0`: amounts, dates and masked place codes (A3区) vary
    /// without changing what a message is about.
    pub fold_digits: bool,
    /// Buckets seen in fewer training messages than this are dropped (typos, names, codes).
    pub min_df: u32,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        Self {
            hash_bits: 20,
            min_n: 1,
            max_n: 3,
            title_repeat: 1,
            max_chars: 3000,
            fold_digits: false,
            min_df: 5,
        }
    }
}

/// A sparse row: sorted bucket indices and their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    pub idx: Vec<u32>,
    pub val: Vec<f32>,
}

impl SparseVec {
    pub fn dot(&self, w: &[f32]) -> f32 {
        self.idx
            .iter()
            .zip(&self.val)
            .map(|(&i, &v)| w.get(i as usize).copied().unwrap_or(0.0) * v)
            .sum()
    }
    pub fn norm_sq(&self) -> f32 {
        self.val.iter().map(|v| v * v).sum()
    }
}

/// Folds full-width ASCII to half-width, lower-cases, turns every run of whitespace into
/// one space and drops control characters, so `Ａ３区` and `a3区` are the same text.
pub fn normalise(text: &str, max_chars: usize, fold_digits: bool) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len().min(max_chars * 4) / 3 + 1);
    let mut space = true; // no leading space
    for c in text.chars() {
        if out.len() >= max_chars {
            break;
        }
        let c = match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        };
        let c = if fold_digits && c.is_ascii_digit() {
            '0'
        } else {
            c
        };
        if c.is_whitespace() {
            if !space {
                out.push(' ');
                space = true;
            }
            continue;
        }
        if c.is_control() {
            continue;
        }
        space = false;
        // Han characters and CJK punctuation have no case; skip the case tables for them.
        if matches!(c as u32, 0x3000..=0x9FFF) {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    if out.last() == Some(&' ') {
        out.pop();
    }
    out
}

/// A well-mixed 64-bit hash (splitmix64's finaliser).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hashes of every n-gram of `chars` for n in `min_n..=max_n`; n-grams across a space are
/// skipped (a space only separates, e.g. title from text).
pub fn ngram_hashes(chars: &[char], min_n: usize, max_n: usize, out: &mut Vec<u64>) {
    for start in 0..chars.len() {
        let mut h: u64 = 0x243f_6a88_85a3_08d3;
        for (k, &c) in chars[start..].iter().take(max_n).enumerate() {
            if c == ' ' {
                break;
            }
            h = mix(h ^ (c as u64)).wrapping_add(k as u64 + 1);
            if k + 1 >= min_n {
                out.push(h);
            }
        }
    }
}

/// Hashes of the n-grams of a title (repeated `title_repeat` times) and a text.
pub fn hashes(settings: &FeatureSettings, title: &str, text: &str) -> Vec<u64> {
    let mut hashes = Vec::new();
    let title = normalise(title, settings.max_chars, settings.fold_digits);
    for _ in 0..settings.title_repeat {
        ngram_hashes(&title, settings.min_n, settings.max_n, &mut hashes);
    }
    let text = normalise(text, settings.max_chars, settings.fold_digits);
    ngram_hashes(&text, settings.min_n, settings.max_n, &mut hashes);
    hashes
}

/// Raw counts of hashed n-grams of a title and text, as (bucket, count) sorted by bucket.
pub fn counts(settings: &FeatureSettings, title: &str, text: &str) -> Vec<(u32, f32)> {
    let mask = (1u64 << settings.hash_bits.clamp(8, 28)) - 1;
    let hashes = hashes(settings, title, text);
    let mut buckets: Vec<u32> = hashes.iter().map(|h| (h & mask) as u32).collect();
    buckets.sort_unstable();
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(buckets.len());
    for b in buckets {
        match out.last_mut() {
            Some((last, n)) if *last == b => *n += 1.0,
            _ => out.push((b, 1.0)),
        }
    }
    out
}

/// Smoothed IDF per bucket, learnt from documents; buckets never seen weigh 0, so words
/// unknown to the model do not dilute the norm (as a vocabulary would drop them).
pub fn fit_idf(settings: &FeatureSettings, docs: &[Vec<(u32, f32)>]) -> Vec<f32> {
    let dim = 1usize << settings.hash_bits.clamp(8, 28);
    let mut df = vec![0u32; dim];
    for d in docs {
        for &(b, _) in d {
            if let Some(x) = df.get_mut(b as usize) {
                *x += 1;
            }
        }
    }
    let n = docs.len() as f32;
    df.iter()
        .map(|&d| {
            if d == 0 || d < settings.min_df {
                0.0
            } else {
                ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0
            }
        })
        .collect()
}

/// Sublinear TF × IDF, L2-normalised.
pub fn weigh(counts: &[(u32, f32)], idf: &[f32]) -> SparseVec {
    let mut v = SparseVec::default();
    for &(b, c) in counts {
        let w = idf.get(b as usize).copied().unwrap_or(0.0);
        if w > 0.0 {
            v.idx.push(b);
            v.val.push((1.0 + c.ln()) * w);
        }
    }
    let norm = v.norm_sq().sqrt();
    if norm > 0.0 {
        v.val.iter_mut().for_each(|x| *x /= norm);
    }
    v
}
