//! One-vs-rest linear SVM (L2-regularised, squared hinge loss) by dual coordinate descent
//! (Hsieh et al. 2008, LIBLINEAR's default solver, the one scikit-learn's LinearSVC runs).
//! Sparse rows, a per-example cost, and a seeded order of visits, so a run reproduces.

use crate::features::SparseVec;
use crate::rng::Rng;

/// Solver settings.
#[derive(Debug, Clone, Copy)]
pub struct SvmSettings {
    /// Inverse regularisation: larger fits the training data harder.
    pub c: f32,
    /// Stop when the projected gradient's spread falls under this.
    pub eps: f32,
    pub max_iter: usize,
    pub seed: u64,
}

/// Trains one binary problem per class; returns weights laid out bucket-major
/// (`w[bucket * k + class]`, so a prediction reads one cache line per bucket) and biases.
pub fn train_ovr(
    rows: &[SparseVec],
    labels: &[usize],
    costs: &[f32],
    classes: usize,
    dim: usize,
    s: SvmSettings,
) -> (Vec<f32>, Vec<f32>) {
    let mut weights = vec![0.0f32; dim * classes];
    let mut biases = vec![0.0f32; classes];
    for class in 0..classes {
        let y: Vec<f32> = labels
            .iter()
            .map(|&l| if l == class { 1.0 } else { -1.0 })
            .collect();
        let (w, b) = train_binary(rows, &y, costs, dim, s, s.seed ^ class as u64);
        for (j, wj) in w.iter().enumerate() {
            if *wj != 0.0 {
                weights[j * classes + class] = *wj;
            }
        }
        biases[class] = b;
    }
    (weights, biases)
}

/// One binary problem; the bias is an extra feature of value 1 (regularised, as LIBLINEAR).
fn train_binary(
    rows: &[SparseVec],
    y: &[f32],
    costs: &[f32],
    dim: usize,
    s: SvmSettings,
    seed: u64,
) -> (Vec<f32>, f32) {
    let n = rows.len();
    let mut w = vec![0.0f32; dim];
    let mut bias = 0.0f32;
    let mut alpha = vec![0.0f32; n];
    let diag: Vec<f32> = costs.iter().map(|c| 0.5 / (c * s.c).max(1e-12)).collect();
    let qd: Vec<f32> = rows
        .iter()
        .zip(&diag)
        .map(|(r, d)| r.norm_sq() + 1.0 + d)
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng::new(seed);
    for _ in 0..s.max_iter {
        rng.shuffle(&mut order);
        let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
        for &i in &order {
            let row = &rows[i];
            let g = y[i] * (row.dot(&w) + bias) - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                let step = (alpha[i] - old) * y[i];
                for (&j, &v) in row.idx.iter().zip(&row.val) {
                    if let Some(wj) = w.get_mut(j as usize) {
                        *wj += step * v;
                    }
                }
                bias += step;
            }
        }
        if pg_max - pg_min < s.eps {
            break;
        }
    }
    (w, bias)
}
