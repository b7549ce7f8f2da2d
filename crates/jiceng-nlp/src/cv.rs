//! Stratified k-fold cross-validation with a fixed seed.

use crate::metrics::Evaluation;
use crate::model::{Document, Example, Settings, train};
use crate::rng::Rng;
use jiceng_kernel::Error;
use jiceng_kernel::error::codes;

/// Fold of each example: each class is shuffled with the seed and dealt round-robin, so every
/// fold holds each class in proportion.
pub fn stratified_folds(labels: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut folds = vec![0usize; labels.len()];
    let classes = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut rng = Rng::new(seed);
    let mut next = 0usize; // carries on across classes so small classes spread evenly too
    for c in 0..classes {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
        rng.shuffle(&mut idx);
        for i in idx {
            folds[i] = next % k;
            next += 1;
        }
    }
    folds
}

/// Folds of labelled examples by their label strings (sorted label order).
pub fn folds_of(examples: &[Example], k: usize, seed: u64) -> Vec<usize> {
    let mut labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    let y: Vec<usize> = examples
        .iter()
        .map(|e| labels.binary_search(&e.label.as_str()).unwrap_or(0))
        .collect();
    stratified_folds(&y, k, seed)
}

/// Trains on all folds but one and predicts the one left out, for each fold; the unlabelled
/// documents join every training run (never labelled by anything but the model).
pub fn cross_validate(
    examples: &[Example],
    unlabelled: &[Document],
    settings: &Settings,
    k: usize,
) -> Result<Evaluation, Error> {
    if k < 2 || k > examples.len() {
        return Err(Error::new(
            codes::MODEL_BAD_FOLDS,
            format!("折数应在 2 到样例数（{}）之间，实际为 {k}", examples.len()),
        ));
    }
    let folds = folds_of(examples, k, settings.seed);
    let mut eval = Evaluation::empty(examples);
    for f in 0..k {
        let train_set: Vec<Example> = examples
            .iter()
            .zip(&folds)
            .filter(|(_, g)| **g != f)
            .map(|(e, _)| e.clone())
            .collect();
        let model = train(&train_set, unlabelled, settings)?;
        for (e, _) in examples.iter().zip(&folds).filter(|(_, g)| **g == f) {
            eval.add(
                &e.label,
                &model.labels,
                &model.probabilities(&e.title, &e.text),
            );
        }
    }
    Ok(eval)
}
