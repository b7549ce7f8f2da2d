//! `jiceng serve`: open, migrate, optionally seed the demo, and serve HTTP.

use super::open;
use crate::cli::ServeArgs;
use crate::config::{Config, FlagOverrides};
use crate::demo;
use anyhow::Result;
use jiceng_orders::sla::SlaPolicies;
use jiceng_server::{Application, ServerConfig};
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

pub async fn run(args: ServeArgs) -> Result<()> {
    let flags = FlagOverrides {
        listen: args.listen.clone(),
        secure_cookies: args.insecure_cookies.then_some(false),
        ..FlagOverrides::from_data(&args.data)
    };
    let config = Config::load(args.data.config.as_deref(), flags)?;
    if args.print_config {
        say!("{}", config.to_redacted_toml()?.trim_end());
        return Ok(());
    }
    init_tracing();
    let listen = config.listen_addr()?;
    let metrics_listen = config.metrics_addr()?;
    let db = open(&config).await?;
    tracing::info!(backend = db.store.backend_name(), database = %db.shown_url, "database ready");
    if args.demo {
        let outcome = demo::seed(&db.orders).await?;
        demo::report(&outcome)?;
    }
    // The working calendar: the built-in years and those imported with `calendar import`.
    let calendar_dir = config.data_dir.join("calendar");
    let (calendar, imported) = super::calendar::with_stored_years(
        jiceng_kernel::calendar::WorkCalendar::china()
            .map_err(|e| anyhow::anyhow!("built-in holiday schedules: {}", e.message))?,
        &calendar_dir,
    )?;
    if !imported.is_empty() {
        let years: Vec<String> = imported.iter().map(i32::to_string).collect();
        println!(
            "Working calendar: the built-in years with {} from {}",
            years.join(", "),
            calendar_dir.display()
        );
    }
    let base = db.orders.clone().with_sla_policies(SlaPolicies::new(
        jiceng_orders::sla::SlaPolicy::china_default(calendar),
    ));
    // After the demo's units exist: the overrides name units.
    let policies = base
        .sla_policies(&config.sla)
        .await
        .map_err(|e| anyhow::anyhow!("invalid configuration: {}", e.message))?;
    let orders = base.with_sla_policies(policies);
    if !config.secure_cookies {
        tracing::warn!(
            "cookies are sent without the Secure flag: use only over plain HTTP on a trusted network"
        );
    }
    // An empty `JICENG_WEB_DIR` means none: the UI inside the binary.
    let web_dir = config.web_dir.clone().filter(|d| !d.as_os_str().is_empty());
    if let Some(d) = &web_dir
        && !d.join("index.html").is_file()
    {
        tracing::warn!(dir = %d.display(), "web_dir has no index.html: the UI's pages will say it is not built");
    }
    let server = ServerConfig {
        listen,
        secure_cookies: config.secure_cookies,
        body_limit: config.body_limit,
        audit: config.audit.settings(),
        dispatch: config.dispatch.settings()?,
        web_dir,
    };
    let mut app = Application::build(server, orders).await?;
    if let Some(addr) = metrics_listen {
        app = app.with_metrics_listener(addr).await?;
    }
    if let Some(base) = super::retrain::base_file(None, &config.data_dir) {
        let examples = jiceng_server::classifier::NlpTrainer::read_base(&base)
            .map_err(|e| super::domain_err("model", e))?;
        tracing::info!(file = %base.display(), examples = examples.len(), "shipped training data for retraining");
        app.models().set_training_base(examples);
    }
    say!("Jiceng is listening on http://{}", app.local_addr());
    if let Some(addr) = app.metrics_addr() {
        say!("Prometheus metrics at http://{addr}/metrics");
    }
    if let Some(t) = demo::logins(&db.orders).await? {
        say!("\ndemo logins:\n{}", t.trim_end());
    }
    app.run_until_stopped().await?;
    db.store.close().await;
    Ok(())
}
