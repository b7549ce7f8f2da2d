//! One module per subcommand; each parses its flags, calls the domain, and prints.

mod audit;
mod backup;
pub mod calendar;
mod duties;
mod import;
mod manifest;
mod migrate;
pub mod model;
mod restore;
mod retrain;
mod serve;
mod user;

use crate::cli::{Cli, Command, DataArgs, ExportCommand, ImportCommand, UserCommand};
use crate::config::{Config, FlagOverrides, redact_url};
use anyhow::{Context, Result};
use jiceng_orders::use_cases::Orders;
use jiceng_store::SqlStore;
use std::sync::Arc;

pub fn run(cli: Cli) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Migrate(data) => migrate::run(&data).await,
            Command::Demo(data) => crate::demo::run(&data).await,
            Command::User(UserCommand::Add(args)) => user::add(args).await,
            Command::User(UserCommand::List(data)) => user::list(&data).await,
            Command::User(UserCommand::SetPassword(args)) => user::set_password(args).await,
            Command::Import(ImportCommand::Divisions(args)) => import::divisions(args).await,
            Command::Import(ImportCommand::Duties(args)) => duties::import(args).await,
            Command::Export(ExportCommand::Duties(args)) => duties::export(args).await,
            Command::Import(ImportCommand::Grids(args)) => crate::grids::run(args).await,
            Command::Calendar(command) => calendar::run(command),
            Command::Audit(command) => audit::run(command).await,
            Command::Model(command) => model::run(command).await,
            Command::Backup(args) => backup::run(args).await,
            Command::Restore(args) => restore::run(args).await,
        }
    })
}

/// Loads the configuration of a subcommand that only has the data flags.
pub fn load_config(data: &DataArgs) -> Result<Config> {
    Config::load(data.config.as_deref(), FlagOverrides::from_data(data))
}

/// An open, migrated store and the use cases on it.
pub struct Opened {
    pub store: Arc<SqlStore>,
    pub orders: Orders,
    /// The database URL with any password hidden, for messages.
    pub shown_url: String,
}

/// Creates the data directory, opens the database and applies pending migrations.
pub async fn open(config: &Config) -> Result<Opened> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let url = config.database_url()?;
    let shown_url = redact_url(&url);
    // One line per failure: the store's error already says what failed, and never the password.
    let store = SqlStore::connect(&url)
        .await
        .map_err(|e| anyhow::anyhow!("{shown_url}: {e}"))?;
    store
        .migrate()
        .await
        .map_err(|e| anyhow::anyhow!("{shown_url}: {e}"))?;
    let store = Arc::new(store);
    let key = jiceng_server::audit::load_or_create_key(&config.data_dir)?;
    let orders = jiceng_server::orders_for(Arc::clone(&store))
        .with_audit_key(key)
        .with_duplicate_settings(config.duplicates.clone());
    Ok(Opened {
        store,
        orders,
        shown_url,
    })
}

/// Turns a domain error into a one-line message naming what it is about.
pub fn domain_err(what: &str, e: jiceng_kernel::Error) -> anyhow::Error {
    anyhow::anyhow!("{what}: {} ({})", e.message, e.code)
}
