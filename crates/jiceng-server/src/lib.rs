//! Jiceng's HTTP server: JSON API under `/api/v1`, OpenAPI document, health; metrics on a
//! listener of their own.
//!
//! [`Application::build`] binds the listener (tests pass port 0) and returns before serving;
//! [`Application::run_until_stopped`] serves until SIGTERM or Ctrl-C, then drains. Background
//! work runs as jobs of one [`jobs::Supervisor`] beside the server and stops with it.

pub mod audit;
pub mod classifier;
pub mod duplicates;
pub mod duty_files;
pub mod engine;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod metrics;
pub mod openapi;
pub mod order_sheet;
pub mod retry;
pub mod routes;
pub mod secrets;
pub mod sweeper;
pub mod trace;
pub mod ui;
pub mod web_security;

use anyhow::Context;
use axum::Router;
use jiceng_orders::use_cases::Orders;
use jiceng_store::SqlStore;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use secrets::{Argon2Secrets, SystemClock};

/// Settings of the HTTP server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Browsers reach the server over HTTPS (a proxy terminates TLS): cookies are `Secure`
    /// and answers carry HSTS. Off only for plain-HTTP development and tests.
    pub secure_cookies: bool,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Checkpoints of the audit log; signed only when the use cases hold a key.
    pub audit: audit::AuditSettings,
    /// The dispatch engine (off unless enabled).
    pub dispatch: engine::DispatchSettings,
    /// Serve the web UI from this folder instead of the build inside the binary.
    pub web_dir: Option<std::path::PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: true,
            body_limit: 1024 * 1024,
            audit: audit::AuditSettings::default(),
            dispatch: engine::DispatchSettings::default(),
            web_dir: None,
        }
    }
}

/// What every handler can reach. Data only through the contexts' use cases (`orders`, and
/// `orders.accounts`), which check access.
#[derive(Clone)]
pub struct AppState {
    pub orders: Orders,
    pub config: Arc<ServerConfig>,
    /// The classifier's models: swaps, retraining.
    pub models: Arc<classifier::ModelManager>,
}

/// The work-order context (and through it the accounts) on a store with the system clock,
/// argon2 secrets and duplicate detection.
pub fn orders_for(store: Arc<SqlStore>) -> Orders {
    Orders::new(store, Arc::new(SystemClock), Arc::new(Argon2Secrets))
        .with_duplicate_detection(duplicates::sketcher(), Default::default())
}

pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit;
    let hsts = state.config.secure_cookies;
    // The headers layer is outermost so that panics' answers carry the headers too.
    routes::all(state)
        .layer(axum::middleware::from_fn_with_state(
            limit,
            retry::retry_lost_races,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(web_security::same_origin_changes))
        .layer(TraceLayer::new_for_http().make_span_with(trace::request_span))
        .layer(CatchPanicLayer::custom(routes::system::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            hsts,
            web_security::headers,
        ))
}

/// A bound, not yet serving, HTTP server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    orders: Orders,
    wake: Arc<sweeper::Wake>,
    sweeper: sweeper::SweeperConfig,
    audit: audit::AuditSettings,
    models: Arc<classifier::ModelManager>,
    model_check: std::time::Duration,
    /// The jobs known at build time; the rest are added when serving starts.
    jobs: jobs::Supervisor,
    /// `/metrics` for Prometheus, off the public API.
    metrics_listener: Option<TcpListener>,
}

impl Application {
    pub async fn build(config: ServerConfig, orders: Orders) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        metrics::handle();
        let wake = Arc::new(sweeper::Wake::default());
        let orders = orders.with_due_signal(wake.clone());
        // The active stored model (or the built-in one), swapped in place by activations;
        // a classifier the caller set already is kept.
        let models = Arc::new(classifier::ModelManager::load(orders.store.clone()).await?);
        let orders = match orders.classifier {
            Some(_) => orders,
            None => orders.with_classifier(models.classifier()),
        };
        let mut jobs = jobs::Supervisor::new(orders.store.clone());
        let orders = if config.dispatch.enabled {
            let s = engine::with_engine(orders, &config.dispatch).await?;
            jobs.add(jobs::locator::LocatorReload::new(
                &s,
                config.dispatch.locator_reload,
            ));
            s
        } else {
            orders
        };
        let state = AppState {
            orders: orders.clone(),
            config: Arc::new(config),
            models: models.clone(),
        };
        Ok(Self {
            listener,
            audit: state.config.audit.clone(),
            router: router(state),
            orders,
            wake,
            sweeper: sweeper::SweeperConfig::default(),
            models,
            model_check: classifier::DEFAULT_CHECK,
            jobs,
            metrics_listener: None,
        })
    }

    /// Serves `/metrics` (Prometheus text) on `addr`, apart from the public API.
    pub async fn with_metrics_listener(mut self, addr: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen for metrics on {addr}"))?;
        self.metrics_listener = Some(listener);
        Ok(self)
    }

    /// Where `/metrics` is served, when it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// Every background job's runs, failures and backlog (live once serving).
    pub fn jobs(&self) -> jobs::JobsStatus {
        self.jobs.status()
    }

    /// How often to look for a model activated by another process (default 30 s).
    pub fn with_model_check(mut self, every: std::time::Duration) -> Self {
        self.model_check = every;
        self
    }

    /// The classifier's models (to add shipped training data, or to look at in tests).
    pub fn models(&self) -> Arc<classifier::ModelManager> {
        self.models.clone()
    }

    /// Other sweeper settings (or none: `enabled: false`).
    pub fn with_sweeper(mut self, config: sweeper::SweeperConfig) -> Self {
        self.sweeper = config;
        self
    }

    /// Wakes the sweeper at once (after a test moved the clock).
    pub fn sweeper_wake(&self) -> Arc<sweeper::Wake> {
        self.wake.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves until SIGTERM or Ctrl-C; requests in flight are finished first, then the
    /// background jobs finish the ticks they are in and stop.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves, with the background jobs beside it, until `signal` completes; then finishes
    /// the requests in flight and the jobs' ticks in flight, and starts no new tick.
    pub async fn run_until(
        mut self,
        signal: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        if self.orders.audit_key.is_some() {
            self.jobs.add(jobs::checkpoint::Checkpoints::new(
                self.orders.clone(),
                self.audit.clone(),
            ));
        }
        self.jobs.add(jobs::model_watch::ModelWatch {
            manager: self.models.clone(),
            every: self.model_check,
        });
        self.jobs.add(jobs::backfill::SketchBackfill {
            orders: self.orders.clone(),
        });
        if self.sweeper.enabled {
            self.jobs.add(jobs::sweep::Sweep {
                orders: self.orders.clone(),
                wake: self.wake.clone(),
                config: self.sweeper.clone(),
            });
        }
        let running = self.jobs.start();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let metrics = self.metrics_listener.map(|l| {
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                axum::serve(l, metrics::router())
                    .with_graceful_shutdown(async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })
                    .await
            })
        });
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .await
        .context("server failed");
        let _ = stop.send(true);
        running.shutdown().await;
        if let Some(task) = metrics
            && let Ok(Err(e)) = task.await
        {
            tracing::warn!(error = %e, "the metrics listener failed");
        }
        served
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
