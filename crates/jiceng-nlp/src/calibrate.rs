//! Confidence from raw one-vs-rest scores: softmax(scores / T) with the temperature T fitted
//! on out-of-fold scores by minimising the negative log-likelihood (temperature scaling,
//! Guo et al. 2017). One parameter cannot overfit and keeps the ranking of classes.

/// Probabilities of each class for one row of scores.
pub fn softmax(scores: &[f32], temperature: f32) -> Vec<f32> {
    let t = if temperature.is_finite() && temperature > 0.0 {
        temperature
    } else {
        1.0
    };
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = scores.iter().map(|s| ((s - max) / t).exp()).collect();
    let sum: f32 = exps.iter().sum();
    if sum > 0.0 && sum.is_finite() {
        exps.iter().map(|e| e / sum).collect()
    } else {
        vec![1.0 / scores.len().max(1) as f32; scores.len()]
    }
}

fn nll(scores: &[Vec<f32>], truth: &[usize], t: f32) -> f64 {
    scores
        .iter()
        .zip(truth)
        .map(|(s, &y)| {
            let p = softmax(s, t).get(y).copied().unwrap_or(0.0);
            -(p.max(1e-12) as f64).ln()
        })
        .sum()
}

/// The temperature that makes out-of-fold scores most likely; golden-section search on
/// log T over [1e-3, 1e2] (the NLL is unimodal in T).
pub fn fit_temperature(scores: &[Vec<f32>], truth: &[usize]) -> f32 {
    if scores.is_empty() {
        return 1.0;
    }
    let (mut lo, mut hi) = ((1e-3f32).ln(), (1e2f32).ln());
    let g = 0.618_034f32;
    for _ in 0..60 {
        let a = hi - g * (hi - lo);
        let b = lo + g * (hi - lo);
        if nll(scores, truth, a.exp()) < nll(scores, truth, b.exp()) {
            hi = b;
        } else {
            lo = a;
        }
    }
    ((lo + hi) / 2.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overconfident_scores_are_cooled_and_softmax_is_safe() {
        // Wide margins but only 3 of 4 right: the fitted temperature spreads the mass.
        let scores = vec![vec![5.0, -5.0]; 4];
        let t = fit_temperature(&scores, &[0, 0, 0, 1]);
        let p = softmax(&scores[0], t)[0];
        assert!((p - 0.75).abs() < 0.01, "{p}");
        assert_eq!(softmax(&[f32::NAN, 1.0], 1.0).len(), 2);
        assert!(softmax(&[], 1.0).is_empty());
        assert_eq!(softmax(&[1.0, 1.0], 0.0), vec![0.5, 0.5]);
    }
}
