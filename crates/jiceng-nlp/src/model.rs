//! The classifier: settings, training (supervised, then self-training on unlabelled
//! messages), calibrated prediction.

use crate::calibrate::{fit_temperature, softmax};
use crate::features::{FeatureSettings, SparseVec, counts, fit_idf, hashes, weigh};
use crate::svm::{SvmSettings, train_ovr};
use crate::table::WeightTable;
use jiceng_kernel::Error;
use jiceng_kernel::error::codes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A labelled message: a training example or a dispatcher's correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub label: String,
    pub title: String,
    pub text: String,
}

/// An unlabelled message, for self-training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    pub text: String,
}

/// Everything that decides what training produces; stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub features: FeatureSettings,
    /// SVM inverse regularisation.
    pub c: f32,
    /// Weigh classes inversely to their frequency, so small categories are not drowned.
    pub balanced: bool,
    /// Folds of the inner cross-validation whose out-of-fold scores fit the temperature.
    pub calibration_folds: usize,
    /// Self-training: an unlabelled message joins training with the label the first model
    /// gives it when its top score leads the runner-up by at least this much (None: off).
    pub pseudo_margin: Option<f32>,
    /// Cost of a pseudo-labelled message relative to a labelled one.
    pub pseudo_weight: f32,
    pub max_iter: usize,
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            features: FeatureSettings::default(),
            c: 2.0,
            balanced: true,
            calibration_folds: 3,
            pseudo_margin: None,
            pseudo_weight: 0.5,
            max_iter: 200,
            seed: 20_200_401,
        }
    }
}

impl Settings {
    /// Rejects settings that would make training or prediction meaningless or unbounded
    /// (a model file's settings are checked the same way when it is loaded).
    pub fn check(&self) -> Result<(), Error> {
        let f = &self.features;
        let problems = [
            (
                !(8..=28).contains(&f.hash_bits),
                "hash_bits 应在 8 到 28 之间",
            ),
            (
                f.min_n < 1 || f.min_n > f.max_n || f.max_n > 8,
                "n 元范围应满足 1 ≤ min_n ≤ max_n ≤ 8",
            ),
            (f.title_repeat > 8, "title_repeat 不能超过 8"),
            (
                !(1..=1_000_000).contains(&f.max_chars),
                "max_chars 应在 1 到 1000000 之间",
            ),
            (!(self.c.is_finite() && self.c > 0.0), "C 应为正数"),
            (self.calibration_folds > 20, "calibration_folds 不能超过 20"),
            (
                !(self.pseudo_weight.is_finite() && self.pseudo_weight >= 0.0),
                "pseudo_weight 应为非负数",
            ),
            (
                self.pseudo_margin.is_some_and(|m| !m.is_finite()),
                "pseudo_margin 应为有限数",
            ),
            (
                !(1..=100_000).contains(&self.max_iter),
                "max_iter 应在 1 到 100000 之间",
            ),
        ];
        match problems.iter().find(|p| p.0) {
            Some((_, what)) => Err(Error::new(
                codes::MODEL_BAD_SETTINGS,
                format!("训练参数无效：{what}"),
            )),
            None => Ok(()),
        }
    }
}

/// A trained model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub labels: Vec<String>,
    pub settings: Settings,
    /// IDF and weights of every hash bucket seen in training.
    pub table: WeightTable,
    pub biases: Vec<f32>,
    pub temperature: f32,
}

/// A prediction: the best label, its calibrated probability, and all labels by probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    pub label: String,
    pub confidence: f32,
    pub top: Vec<(String, f32)>,
}

impl Model {
    /// Raw one-vs-rest scores, one per label.
    pub fn scores(&self, title: &str, text: &str) -> Vec<f32> {
        let mut s = self.biases.clone();
        self.table
            .scores(&hashes(&self.settings.features, title, text), &mut s);
        s
    }

    /// Calibrated probabilities, one per label (in `labels` order).
    pub fn probabilities(&self, title: &str, text: &str) -> Vec<f32> {
        softmax(&self.scores(title, text), self.temperature)
    }

    pub fn predict(&self, title: &str, text: &str) -> Prediction {
        let probs = self.probabilities(title, text);
        let mut top: Vec<(String, f32)> = self.labels.iter().cloned().zip(probs).collect();
        top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let (label, confidence) = top.first().cloned().unwrap_or_default();
        Prediction {
            label,
            confidence,
            top,
        }
    }
}

fn scores_of(v: &SparseVec, weights: &[f32], biases: &[f32]) -> Vec<f32> {
    let k = biases.len();
    let mut s = biases.to_vec();
    for (&b, &x) in v.idx.iter().zip(&v.val) {
        let start = b as usize * k;
        if let Some(w) = weights.get(start..start + k) {
            s.iter_mut().zip(w).for_each(|(si, wi)| *si += wi * x);
        }
    }
    s
}

/// Trains a model on labelled examples and, when `settings.pseudo_margin` is set,
/// unlabelled documents. Deterministic for the same inputs and seed.
pub fn train(
    examples: &[Example],
    unlabelled: &[Document],
    settings: &Settings,
) -> Result<Model, Error> {
    settings.check()?;
    let labels: Vec<String> = examples
        .iter()
        .map(|e| e.label.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if labels.len() < 2 {
        return Err(Error::new(
            codes::MODEL_TOO_FEW_LABELS,
            format!(
                "训练数据至少需要两个类别，实际只有 {} 个（共 {} 条样例）",
                labels.len(),
                examples.len()
            ),
        ));
    }
    let y: Vec<usize> = examples
        .iter()
        .map(|e| labels.binary_search(&e.label).unwrap_or(0))
        .collect();
    let fs = &settings.features;
    let lab_counts: Vec<_> = examples
        .iter()
        .map(|e| counts(fs, &e.title, &e.text))
        .collect();
    let unl_counts: Vec<_> = if settings.pseudo_margin.is_some() {
        unlabelled
            .iter()
            .map(|d| counts(fs, &d.title, &d.text))
            .collect()
    } else {
        Vec::new()
    };
    let idf = fit_idf(fs, &lab_counts);
    // Train over the buckets in use only: weights are (used buckets × labels), not
    // (2^20 × labels), which keeps a third-level taxonomy of hundreds of labels in memory.
    let used: Vec<u32> = (0..idf.len() as u32)
        .filter(|&b| idf[b as usize] != 0.0)
        .collect();
    let mut compact = vec![0u32; idf.len()];
    used.iter()
        .enumerate()
        .for_each(|(i, &b)| compact[b as usize] = i as u32);
    let squeeze = |c: &Vec<(u32, f32)>| {
        let mut v = weigh(c, &idf);
        v.idx.iter_mut().for_each(|b| *b = compact[*b as usize]);
        v
    };
    let rows: Vec<SparseVec> = lab_counts.iter().map(squeeze).collect();
    let unl: Vec<SparseVec> = unl_counts.iter().map(squeeze).collect();
    let data = Data {
        rows: &rows,
        y: &y,
        unl: &unl,
        classes: labels.len(),
        dim: used.len(),
        settings,
    };
    let all_idx: Vec<usize> = (0..rows.len()).collect();
    let (weights, biases) = data.fit(&all_idx);
    let temperature = data.temperature();
    let keys: Vec<(u32, f32)> = used.iter().map(|&b| (b, idf[b as usize])).collect();
    let table = WeightTable::new(idf.len(), labels.len(), &keys, &weights)
        .ok_or_else(|| Error::internal("训练得到的权重表不完整"))?;
    Ok(Model {
        table,
        labels,
        settings: settings.clone(),
        biases,
        temperature,
    })
}

/// Vectorised training data shared by the final fit and the calibration folds.
struct Data<'a> {
    rows: &'a [SparseVec],
    y: &'a [usize],
    unl: &'a [SparseVec],
    classes: usize,
    dim: usize,
    settings: &'a Settings,
}

impl Data<'_> {
    fn svm(&self) -> SvmSettings {
        SvmSettings {
            c: self.settings.c,
            eps: 0.1,
            max_iter: self.settings.max_iter,
            seed: self.settings.seed,
        }
    }

    fn costs(&self, y: &[usize]) -> Vec<f32> {
        if !self.settings.balanced {
            return vec![1.0; y.len()];
        }
        let mut n = vec![0usize; self.classes];
        y.iter().for_each(|&c| n[c] += 1);
        let k = n.iter().filter(|&&c| c > 0).count().max(1) as f32;
        y.iter()
            .map(|&c| y.len() as f32 / (k * n[c].max(1) as f32))
            .collect()
    }

    /// Fits on the labelled rows `idx`, then (if enabled) on them plus the unlabelled rows
    /// the first fit labels with a clear margin.
    fn fit(&self, idx: &[usize]) -> (Vec<f32>, Vec<f32>) {
        let rows: Vec<SparseVec> = idx.iter().map(|&i| self.rows[i].clone()).collect();
        let y: Vec<usize> = idx.iter().map(|&i| self.y[i]).collect();
        let costs = self.costs(&y);
        let (w, b) = train_ovr(&rows, &y, &costs, self.classes, self.dim, self.svm());
        let Some(margin) = self.settings.pseudo_margin else {
            return (w, b);
        };
        let (mut rows2, mut y2, mut costs2) = (rows, y, costs);
        for u in self.unl {
            let s = scores_of(u, &w, &b);
            if let Some((best, lead)) = leader(&s)
                && lead >= margin
            {
                rows2.push(u.clone());
                y2.push(best);
                costs2.push(self.settings.pseudo_weight);
            }
        }
        train_ovr(&rows2, &y2, &costs2, self.classes, self.dim, self.svm())
    }

    /// Temperature from out-of-fold scores of an inner stratified cross-validation.
    fn temperature(&self) -> f32 {
        let k = self.settings.calibration_folds;
        if k < 2 {
            return 1.0;
        }
        let folds = crate::cv::stratified_folds(self.y, k, self.settings.seed ^ 0xca1);
        let (mut scores, mut truth) = (Vec::new(), Vec::new());
        for f in 0..k {
            let (train, test): (Vec<usize>, Vec<usize>) =
                (0..self.rows.len()).partition(|&i| folds[i] != f);
            if train.is_empty() || test.is_empty() {
                continue;
            }
            let (w, b) = self.fit(&train);
            for i in test {
                scores.push(scores_of(&self.rows[i], &w, &b));
                truth.push(self.y[i]);
            }
        }
        fit_temperature(&scores, &truth)
    }
}

/// The best class and how far its score leads the runner-up.
fn leader(s: &[f32]) -> Option<(usize, f32)> {
    let (best, &top) = s.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
    let second = s
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, v)| *v)
        .fold(f32::NEG_INFINITY, f32::max);
    Some((best, top - second))
}
