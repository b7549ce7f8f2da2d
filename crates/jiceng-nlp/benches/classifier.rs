//! The classifier against scikit-learn's TF-IDF (character 1–3-grams, sublinear TF) +
//! LinearSVC on the real messages of gov-messages/train.csv, both in stratified 5-fold
//! cross-validation over the same folds, in the same run: training time, predictions per
//! second on one core, macro-F1. Then the near-duplicate fingerprints: speed, and precision
//! and recall on pairs derived from the message board.
//!
//! The baseline runs `bench/classifier/sklearn_baseline.py` with `bench/.venv/bin/python`
//! (made by `make bench`), or `$JICENG_BENCH_PYTHON`, or `python3`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

#[path = "../tests/common/mod.rs"]
mod common;

use jiceng_nlp::cv::folds_of;
use jiceng_nlp::dedup::DEFAULT_THRESHOLD;
use jiceng_nlp::{Classifier, Evaluation, Fingerprint, Settings, similarity, train};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const FOLDS: usize = 5;

/// CPU time of this thread (Linux), so other work on the machine does not count against
/// the measurement; wall-clock time elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(stat.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

struct Stopwatch(Instant, Option<f64>);

impl Stopwatch {
    fn start() -> Self {
        Self(Instant::now(), cpu_seconds())
    }
    fn seconds(&self) -> f64 {
        match (self.1, cpu_seconds()) {
            (Some(a), Some(b)) => b - a,
            _ => self.0.elapsed().as_secs_f64(),
        }
    }
}

struct Figures {
    macro_f1: f64,
    train_s: f64,
    per_s: f64,
}

fn rust(examples: &[jiceng_nlp::Example], folds: &[usize], settings: &Settings) -> Figures {
    let mut eval = Evaluation::empty(examples);
    let (mut train_s, mut predict_s) = (0.0, 0.0);
    for f in 0..FOLDS {
        let part = |held: bool| {
            examples
                .iter()
                .zip(folds)
                .filter(move |(_, g)| (**g == f) == held)
                .map(|(e, _)| e)
        };
        let train_set: Vec<_> = part(false).cloned().collect();
        let t = Stopwatch::start();
        let classifier = Classifier::new(train(&train_set, &[], settings).unwrap());
        train_s += t.seconds();
        let t = Stopwatch::start();
        let predictions: Vec<_> = part(true)
            .map(|e| classifier.predict(&e.title, &e.text))
            .collect();
        predict_s += t.seconds();
        for (e, p) in part(true).zip(predictions) {
            let probs: Vec<f32> = classifier
                .labels()
                .iter()
                .map(|l| p.top.iter().find(|t| &t.0 == l).map_or(0.0, |t| t.1))
                .collect();
            eval.add(&e.label, classifier.labels(), &probs);
        }
    }
    Figures {
        macro_f1: eval.macro_f1() as f64,
        train_s: train_s / FOLDS as f64,
        per_s: examples.len() as f64 / predict_s,
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sklearn(data: &Path, folds: &[usize]) -> Result<Figures, String> {
    let folds_file = std::env::temp_dir().join(format!("jiceng-folds-{}.txt", std::process::id()));
    let text: String = folds.iter().map(|f| format!("{f}\n")).collect();
    std::fs::write(&folds_file, text).map_err(|e| e.to_string())?;
    let venv = root().join("bench/.venv/bin/python");
    let python = std::env::var("JICENG_BENCH_PYTHON").unwrap_or_else(|_| {
        if venv.exists() {
            venv.display().to_string()
        } else {
            "python3".into()
        }
    });
    let out = Command::new(&python)
        .arg(root().join("bench/classifier/sklearn_baseline.py"))
        .arg("--data")
        .arg(data)
        .arg("--folds")
        .arg(&folds_file)
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    let _ = std::fs::remove_file(&folds_file);
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .to_owned());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let num = |k: &str| v[k].as_f64().ok_or(format!("no {k} in baseline output"));
    Ok(Figures {
        macro_f1: num("macro_f1")?,
        train_s: num("train_seconds")?,
        per_s: num("predictions_per_second")?,
    })
}

fn classifier_section() {
    let data = common::messages_dir().join("train.csv");
    let examples = jiceng_nlp::data::read_examples(&data).unwrap();
    let settings = Settings::default();
    let folds = folds_of(&examples, FOLDS, settings.seed);
    let ours = rust(&examples, &folds, &settings);
    println!(
        "## Classifier: gov-messages/train.csv, {} messages, stratified {FOLDS}-fold CV (same folds)\n",
        examples.len()
    );
    println!("| | macro-F1 | training per fold (CPU s) | predictions/s, one core (CPU time) |");
    println!("|---|---|---|---|");
    println!(
        "| jiceng-nlp (char 1–3 TF-IDF, SVM, calibrated) | {:.4} | {:.2} | {:.0} |",
        ours.macro_f1, ours.train_s, ours.per_s
    );
    match sklearn(&data, &folds) {
        Ok(base) => {
            println!(
                "| scikit-learn TF-IDF char 1–3 + LinearSVC (baseline) | {:.4} | {:.2} | {:.0} |",
                base.macro_f1, base.train_s, base.per_s
            );
            println!(
                "| **ratio jiceng / baseline** | {:+.4} | {:.2}× faster | **{:.1}×** |",
                ours.macro_f1 - base.macro_f1,
                base.train_s / ours.train_s,
                ours.per_s / base.per_s
            );
        }
        Err(e) => println!("| baseline not run: {e} | | | |"),
    }
    println!(
        "\nTraining includes the 3 inner folds that calibrate the confidence (4 SVM fits, 7 \
         classes each); predictions include reading the text and calibrated probabilities."
    );
}

fn dedup_section() {
    let msgs = common::board_messages();
    let t = Instant::now();
    let prints: Vec<Fingerprint> = msgs.iter().map(|m| Fingerprint::of(&m.text)).collect();
    let fp_per_s = msgs.len() as f64 / t.elapsed().as_secs_f64();
    let recent = &prints[..prints.len().min(5000)];
    let t = Instant::now();
    let mut hits = 0usize;
    for new in prints.iter().take(200) {
        hits += recent
            .iter()
            .filter(|r| similarity(new, r) >= DEFAULT_THRESHOLD)
            .count();
    }
    let scan_ms = t.elapsed().as_secs_f64() * 1000.0 / 200.0;
    let pairs = common::duplicate_pairs(&msgs);
    let (mut tp, mut fp, mut fneg) = (0, 0, 0);
    for &(i, j, same) in &pairs {
        match (
            similarity(&prints[i], &prints[j]) >= DEFAULT_THRESHOLD,
            same,
        ) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fneg += 1,
            _ => {}
        }
    }
    println!(
        "\n## Near-duplicates: bottom-{} MinHash of character 3-grams\n",
        jiceng_nlp::dedup::SKETCH
    );
    println!("| measure | value |\n|---|---|");
    println!("| fingerprints/s (board messages) | {fp_per_s:.0} |");
    println!(
        "| one new order against {} recent ones | {scan_ms:.3} ms ({hits} matches in 200 scans) |",
        recent.len()
    );
    println!(
        "| precision / recall at similarity ≥ {DEFAULT_THRESHOLD} | {:.3} / {:.3} ({} pairs, {} same matter) |",
        tp as f64 / (tp + fp).max(1) as f64,
        tp as f64 / (tp + fneg).max(1) as f64,
        pairs.len(),
        tp + fneg
    );
}

fn main() {
    println!("# Classifier bench\n");
    classifier_section();
    dedup_section();
}
