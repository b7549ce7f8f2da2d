//! `jiceng model train|eval|cv|retrain|list|activate`: the text classifier that suggests
//! each order's category.
//!
//! Data files are UTF-8 CSV with a header naming `label`, `text` and optionally `title`;
//! unlabelled files (`--unlabelled`) name `text`/`title` or the message board's
//! `留言详情`/`留言主题`.

use crate::table;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use jiceng_nlp::data::{read_documents, read_examples};
use jiceng_nlp::{Classifier, Document, Evaluation, Settings, Taxonomy, cross_validate, train};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Train a model on a labelled CSV and write it to a file.
    Train(TrainArgs),
    /// Score a model (default: the one built into this binary) on a labelled CSV.
    Eval(EvalArgs),
    /// Stratified k-fold cross-validation of the training settings on a labelled CSV.
    Cv(CvArgs),
    /// Retrain from the database's archived orders and dispatchers' corrections; the new
    /// model is activated unless it scores clearly worse than the active one on held-out orders.
    Retrain(super::retrain::RetrainArgs),
    /// List the stored models with their figures and which one is active.
    List(crate::cli::DataArgs),
    /// Activate a stored model, or `default` (the built-in one): rollback.
    Activate(super::retrain::ActivateArgs),
}

#[derive(Debug, Args)]
pub struct TrainingData {
    /// Labelled messages: CSV with columns label, text and optional title
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Unlabelled messages for self-training (repeatable); only used with --pseudo-margin
    #[arg(long, value_name = "FILE.csv")]
    pub unlabelled: Vec<PathBuf>,
    /// Self-training: add unlabelled messages whose top score leads by at least this
    #[arg(long, value_name = "MARGIN")]
    pub pseudo_margin: Option<f32>,
    /// Category tree (CSV, one level per column: 一级分类,二级分类,三级分类); every label must
    /// be one of its categories, written as a path like 城乡建设/城乡规划
    #[arg(long, value_name = "FILE.csv")]
    pub taxonomy: Option<PathBuf>,
    /// Seed of every shuffle (folds, solver order); the same seed gives the same model
    #[arg(long, default_value_t = Settings::default().seed)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: TrainingData,
    /// Where to write the model (.jcm)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model file; without it, the model built into this binary (the one the server uses)
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Labelled messages: CSV with columns label, text and optional title
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
}

#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    pub data: TrainingData,
    /// Number of folds
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
}

pub async fn run(command: ModelCommand) -> Result<()> {
    match command {
        ModelCommand::Train(args) => train_cmd(&args),
        ModelCommand::Eval(args) => eval_cmd(&args),
        ModelCommand::Cv(args) => cv_cmd(&args),
        ModelCommand::Retrain(args) => super::retrain::retrain(args).await,
        ModelCommand::List(data) => super::retrain::list(&data).await,
        ModelCommand::Activate(args) => super::retrain::activate(args).await,
    }
}

fn nlp(e: jiceng_kernel::Error) -> anyhow::Error {
    super::domain_err("model", e)
}

fn load(data: &TrainingData) -> Result<(Vec<jiceng_nlp::Example>, Vec<Document>, Settings)> {
    let examples = read_examples(&data.data).map_err(nlp)?;
    if let Some(path) = &data.taxonomy {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let tree = Taxonomy::parse_csv(&bytes).map_err(nlp)?;
        let mut unknown = tree.unknown(examples.iter().map(|e| e.label.as_str()));
        unknown.sort_unstable();
        unknown.dedup();
        if !unknown.is_empty() {
            anyhow::bail!(
                "{}: labels not in the taxonomy {}: {}",
                data.data.display(),
                path.display(),
                unknown.join(", ")
            );
        }
    }
    let mut unlabelled = Vec::new();
    for path in &data.unlabelled {
        unlabelled.extend(read_documents(path).map_err(nlp)?);
    }
    let settings = Settings {
        pseudo_margin: data.pseudo_margin,
        seed: data.seed,
        ..Settings::default()
    };
    Ok((examples, unlabelled, settings))
}

fn train_cmd(args: &TrainArgs) -> Result<()> {
    let (examples, unlabelled, settings) = load(&args.data)?;
    let started = Instant::now();
    let model = train(&examples, &unlabelled, &settings).map_err(nlp)?;
    let bytes = Classifier::new(model).to_bytes().map_err(nlp)?;
    std::fs::write(&args.out, &bytes)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    say!(
        "trained on {} messages ({} unlabelled) in {:.1} s; wrote {} ({} bytes)",
        examples.len(),
        unlabelled.len(),
        started.elapsed().as_secs_f32(),
        args.out.display(),
        bytes.len()
    );
    Ok(())
}

fn eval_cmd(args: &EvalArgs) -> Result<()> {
    let classifier = match &args.model {
        Some(path) => Classifier::from_file(path),
        None => Classifier::embedded(),
    }
    .map_err(nlp)?;
    let examples = read_examples(&args.data).map_err(nlp)?;
    let mut eval = Evaluation::empty(&examples);
    let model = classifier.model();
    for e in &examples {
        eval.add(
            &e.label,
            classifier.labels(),
            &model.probabilities(&e.title, &e.text),
        );
    }
    report(&eval)
}

fn cv_cmd(args: &CvArgs) -> Result<()> {
    let (examples, unlabelled, settings) = load(&args.data)?;
    let started = Instant::now();
    let eval = cross_validate(&examples, &unlabelled, &settings, args.folds).map_err(nlp)?;
    say!(
        "{}-fold stratified cross-validation of {} messages (seed {}), {:.1} s",
        args.folds,
        examples.len(),
        settings.seed,
        started.elapsed().as_secs_f32()
    );
    report(&eval)
}

fn report(eval: &Evaluation) -> Result<()> {
    say!("macro-F1: {:.4}", eval.macro_f1());
    say!(
        "accuracy: {:.4}  ({} messages)",
        eval.accuracy(),
        eval.rows.len()
    );
    say!("");
    let rows: Vec<Vec<String>> = eval
        .per_class()
        .iter()
        .map(|c| {
            vec![
                c.label.clone(),
                format!("{:.3}", c.precision),
                format!("{:.3}", c.recall),
                format!("{:.3}", c.f1),
                c.support.to_string(),
            ]
        })
        .collect();
    let per_class = table::render(&["category", "precision", "recall", "F1", "support"], &rows);
    say!("{per_class}");
    // Columns are numbered to keep the matrix narrow; row i's label is column i's.
    let m = eval.confusion();
    let numbers: Vec<String> = (1..=m.len()).map(|i| i.to_string()).collect();
    let mut header = vec!["true \\ predicted"];
    header.extend(numbers.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = m
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = vec![format!("{} {}", i + 1, eval.labels[i])];
            row.extend(r.iter().map(|n| n.to_string()));
            row
        })
        .collect();
    say!("confusion matrix:\n{}", table::render(&header, &rows));
    let rows: Vec<Vec<String>> = [0.95f32, 0.97, 0.99]
        .iter()
        .map(|&t| {
            let c = eval.coverage_at(t);
            vec![
                format!("{:.0}%", t * 100.0),
                format!("{:.1}%", c.coverage * 100.0),
                format!("{:.4}", c.threshold),
                format!("{:.1}%", c.precision * 100.0),
            ]
        })
        .collect();
    let coverage = table::render(
        &[
            "target precision",
            "auto-dispatched",
            "confidence ≥",
            "precision reached",
        ],
        &rows,
    );
    say!("automatic dispatch by calibrated confidence:\n{coverage}");
    Ok(())
}
