//! `jiceng model retrain|list|activate`: the models a server uses, stored in its database.
//! A running server picks up a model activated here within its check interval (30 s).

use super::{domain_err, load_config, open};
use crate::cli::DataArgs;
use crate::table;
use anyhow::{Result, bail};
use clap::Args;
use jiceng_orders::learning::{ModelRef, StoredModel};
use jiceng_server::classifier::NlpTrainer;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RetrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Activate the new model even when it scores clearly worse than the active one
    #[arg(long)]
    pub force: bool,
    /// Shipped training data (CSV: label, text, optional title) added when the own data is
    /// small [default: DATA_DIR/models/base.csv when it exists]
    #[arg(long, value_name = "FILE.csv")]
    pub base: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ActivateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// A stored model's id, or `default` for the model built into the binary
    #[arg(value_name = "ID|default")]
    pub model: String,
}

fn err(e: jiceng_kernel::Error) -> anyhow::Error {
    domain_err("model", e)
}

/// The base data file: the one given, or `DATA_DIR/models/base.csv` when it exists.
pub fn base_file(given: Option<PathBuf>, data_dir: &std::path::Path) -> Option<PathBuf> {
    given.or_else(|| {
        let p = data_dir.join("models").join("base.csv");
        p.is_file().then_some(p)
    })
}

pub async fn retrain(args: RetrainArgs) -> Result<()> {
    let config = load_config(&args.data)?;
    let base = match base_file(args.base, &config.data_dir) {
        Some(p) => NlpTrainer::read_base(&p).map_err(err)?,
        None => Vec::new(),
    };
    let trainer = NlpTrainer::new(base).map_err(err)?;
    let db = open(&config).await?;
    let outcome = db.orders.system_retrain(&trainer, args.force).await;
    db.store.close().await;
    let outcome = outcome.map_err(err)?;
    let m = &outcome.model;
    let s = &m.summary;
    say!(
        "used {} archived orders ({} held out), {} corrections and {} shipped examples; trained in {:.1} s",
        s.archived_orders,
        s.holdout,
        s.corrections,
        s.base_examples,
        s.seconds
    );
    say!(
        "macro-F1 on {} held-out orders: new model {:.4}, active model ({}) {:.4}",
        s.holdout,
        s.macro_f1,
        s.baseline_model,
        s.baseline_f1
    );
    say!("stored model {} ({} bytes)", m.id, m.size);
    match outcome.refusal {
        None => {
            say!("activated; a running server picks it up within 30 s");
            Ok(())
        }
        Some(why) => bail!("not activated: {why} (--force activates it anyway)"),
    }
}

fn row(m: &StoredModel) -> Vec<String> {
    let s = &m.summary;
    vec![
        m.id.to_string(),
        m.created_at.format("%Y-%m-%d %H:%M").to_string(),
        s.archived_orders.to_string(),
        s.corrections.to_string(),
        s.base_examples.to_string(),
        s.holdout.to_string(),
        format!("{:.4}", s.macro_f1),
        format!("{:.4} ({})", s.baseline_f1, s.baseline_model),
        if m.active { "yes" } else { "" }.to_owned(),
        m.previous.clone().unwrap_or_default(),
    ]
}

pub async fn list(data: &DataArgs) -> Result<()> {
    let config = load_config(data)?;
    let db = open(&config).await?;
    let models = jiceng_orders::learning::ClassifierStore::list_models(db.store.as_ref()).await;
    db.store.close().await;
    let models = models.map_err(err)?;
    let active = models
        .iter()
        .find(|m| m.active)
        .map_or(ModelRef::Builtin, |m| ModelRef::Stored(m.id));
    say!("active model: {active}");
    if models.is_empty() {
        say!("no stored models: the built-in model is in use");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = models.iter().map(row).collect();
    let header = [
        "id",
        "created (UTC)",
        "archived",
        "corrections",
        "shipped",
        "holdout",
        "macro-F1",
        "active model's F1 then",
        "active",
        "previous",
    ];
    say!("{}", table::render(&header, &rows).trim_end());
    Ok(())
}

pub async fn activate(args: ActivateArgs) -> Result<()> {
    let Some(model) = ModelRef::parse(args.model.trim()) else {
        bail!(
            "{}: not a model id (see jiceng model list) nor `default`",
            args.model
        );
    };
    let config = load_config(&args.data)?;
    let db = open(&config).await?;
    let done = db.orders.system_activate_model(model).await;
    db.store.close().await;
    let active = done.map_err(err)?;
    say!("active model: {active}; a running server picks it up within 30 s");
    Ok(())
}
