//! Macro-F1, per-class precision/recall/F1, confusion matrix, and how many orders could be
//! dispatched automatically at a required precision (from calibrated confidence).

use crate::model::Example;
use std::collections::BTreeSet;

/// Predictions against the truth, over a fixed label list.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub labels: Vec<String>,
    /// (true class, predicted class, confidence) per message.
    pub rows: Vec<(usize, usize, f32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClassScore {
    pub label: String,
    pub precision: f32,
    pub recall: f32,
    pub f1: f32,
    pub support: usize,
}

/// Automatic dispatch at a precision target: the confidence threshold, the share of orders
/// at or above it, and the precision reached among them.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub target: f32,
    pub threshold: f32,
    pub coverage: f32,
    pub precision: f32,
}

impl Evaluation {
    /// An empty evaluation over the labels of `examples`.
    pub fn empty(examples: &[Example]) -> Self {
        let labels: BTreeSet<String> = examples.iter().map(|e| e.label.clone()).collect();
        Self {
            labels: labels.into_iter().collect(),
            rows: Vec::new(),
        }
    }

    /// Adds one message: its true label and the model's probabilities over `model_labels`.
    /// A true label the evaluation does not know yet is added (a model never predicts it).
    pub fn add(&mut self, truth: &str, model_labels: &[String], probs: &[f32]) {
        let t = self.index(truth);
        let best = probs
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, p)| (i, *p));
        let (p, conf) = match best.and_then(|(i, p)| model_labels.get(i).map(|l| (l, p))) {
            Some((l, p)) => (self.index(l), p),
            None => (usize::MAX, 0.0),
        };
        self.rows.push((t, p, conf));
    }

    fn index(&mut self, label: &str) -> usize {
        match self.labels.iter().position(|l| l == label) {
            Some(i) => i,
            None => {
                self.labels.push(label.to_owned());
                self.labels.len() - 1
            }
        }
    }

    pub fn accuracy(&self) -> f32 {
        let right = self.rows.iter().filter(|(t, p, _)| t == p).count();
        right as f32 / self.rows.len().max(1) as f32
    }

    /// `m[true][predicted]`.
    pub fn confusion(&self) -> Vec<Vec<usize>> {
        let k = self.labels.len();
        let mut m = vec![vec![0usize; k]; k];
        for &(t, p, _) in &self.rows {
            if let Some(cell) = m.get_mut(t).and_then(|r| r.get_mut(p)) {
                *cell += 1;
            }
        }
        m
    }

    pub fn per_class(&self) -> Vec<ClassScore> {
        let m = self.confusion();
        (0..self.labels.len())
            .map(|c| {
                let tp = m[c][c] as f32;
                let predicted: usize = m.iter().map(|r| r[c]).sum();
                let support: usize = m[c].iter().sum();
                let precision = if predicted > 0 {
                    tp / predicted as f32
                } else {
                    0.0
                };
                let recall = if support > 0 {
                    tp / support as f32
                } else {
                    0.0
                };
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassScore {
                    label: self.labels[c].clone(),
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect()
    }

    /// Mean F1 over the classes that occur in the truth.
    pub fn macro_f1(&self) -> f32 {
        let scores: Vec<f32> = self
            .per_class()
            .iter()
            .filter(|c| c.support > 0)
            .map(|c| c.f1)
            .collect();
        scores.iter().sum::<f32>() / scores.len().max(1) as f32
    }

    /// The largest share of messages, taken by falling confidence, whose precision is still
    /// at least `target`.
    pub fn coverage_at(&self, target: f32) -> Coverage {
        let mut by_conf: Vec<&(usize, usize, f32)> = self.rows.iter().collect();
        by_conf.sort_by(|a, b| b.2.total_cmp(&a.2));
        let mut best = Coverage {
            target,
            threshold: 1.0,
            coverage: 0.0,
            precision: 1.0,
        };
        let mut right = 0usize;
        for (n, r) in by_conf.iter().enumerate() {
            right += usize::from(r.0 == r.1);
            let precision = right as f32 / (n + 1) as f32;
            // Only cut between distinct confidences: a threshold takes all of a tie.
            let tie = by_conf.get(n + 1).is_some_and(|next| next.2 == r.2);
            if precision >= target && !tie {
                best = Coverage {
                    target,
                    threshold: r.2,
                    coverage: (n + 1) as f32 / self.rows.len() as f32,
                    precision,
                };
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(rows: &[(usize, usize, f32)]) -> Evaluation {
        Evaluation {
            labels: vec!["甲".into(), "乙".into()],
            rows: rows.to_vec(),
        }
    }

    #[test]
    fn macro_f1_averages_the_classes() {
        // 甲: P 2/3, R 1; 乙: P 1, R 1/2.
        let e = eval(&[(0, 0, 0.9), (0, 0, 0.8), (1, 0, 0.7), (1, 1, 0.6)]);
        assert!((e.macro_f1() - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-6);
        assert_eq!(e.confusion(), vec![vec![2, 0], vec![1, 1]]);
    }

    #[test]
    fn coverage_stops_before_the_first_costly_mistake_and_never_splits_a_tie() {
        let e = eval(&[(0, 0, 0.9), (1, 1, 0.8), (1, 0, 0.7), (0, 0, 0.6)]);
        let c = e.coverage_at(0.95);
        assert_eq!((c.coverage, c.threshold), (0.5, 0.8));
        // A tie at 0.8 between a right and a wrong answer cannot be cut: only 0.9 is kept.
        let e = eval(&[(0, 0, 0.9), (1, 1, 0.8), (1, 0, 0.8)]);
        let c = e.coverage_at(0.95);
        assert_eq!(c.threshold, 0.9);
        assert!((c.coverage - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(eval(&[]).coverage_at(0.99).coverage, 0.0);
    }
}
