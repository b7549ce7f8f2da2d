//! Layered configuration: defaults → TOML file → `JICENG_*` environment → command-line flags.

use crate::cli::DataArgs;
use anyhow::{Context, Result, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

/// Name of the SQLite file inside the data directory.
pub const DB_FILE: &str = "jiceng.db";

/// The effective settings of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Holds the SQLite database, uploads and keys.
    pub data_dir: PathBuf,
    /// Overrides the data directory's SQLite database when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Address the HTTP server listens on.
    pub listen: String,
    /// Address of the Prometheus `/metrics` listener; none: not served (administrators still
    /// read the metrics at `/api/v1/admin/metrics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<String>,
    /// Browsers reach the server over HTTPS (through a TLS proxy): cookies are `Secure` and
    /// answers carry HSTS. Off only for plain-HTTP development.
    pub secure_cookies: bool,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Signed checkpoints of the audit log.
    #[serde(default)]
    pub audit: AuditConfig,
    /// The dispatch engine (智能分拨).
    #[serde(default)]
    pub dispatch: DispatchConfig,
    /// Duplicate candidates at intake: `radius_m`, `window_days`, `threshold`, `max_candidates`.
    #[serde(default)]
    pub duplicates: jiceng_orders::duplicates::DuplicateSettings,
    /// Time limits: working hours, yellow share and escalation ladders, with
    /// `[[sla.jurisdiction]]` overrides per unit.
    #[serde(default)]
    pub sla: jiceng_orders::sla::SlaSettings,
    /// A folder with a web UI build to serve instead of the one inside the binary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_dir: Option<PathBuf>,
}

/// `[dispatch]`: whether the engine routes new orders and how sure it must be to dispatch
/// without a dispatcher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DispatchConfig {
    /// Classify, locate and suggest units for every new order (and after returns).
    pub engine: bool,
    /// Dispatch automatically when the best suggestion is at least this sure (0–1; above 1:
    /// never).
    pub auto_threshold: f64,
    /// Rebuild the locator from the stored outlines every this many seconds.
    pub locator_reload_seconds: u64,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            engine: true,
            auto_threshold: 0.9,
            locator_reload_seconds: 300,
        }
    }
}

impl DispatchConfig {
    pub fn settings(&self) -> Result<jiceng_server::engine::DispatchSettings> {
        if !(self.auto_threshold.is_finite() && self.auto_threshold >= 0.0) {
            bail!(
                "[dispatch] auto_threshold must be a number from 0 to 1 (above 1 turns automatic dispatch off), got {}",
                self.auto_threshold
            );
        }
        Ok(jiceng_server::engine::DispatchSettings {
            enabled: self.engine,
            auto_threshold: self.auto_threshold,
            locator_reload: std::time::Duration::from_secs(self.locator_reload_seconds.max(10)),
        })
    }
}

/// `[audit]`: when checkpoints are signed and which witness receives them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// Sign a checkpoint once this many entries were added.
    pub checkpoint_entries: u64,
    /// Sign at least every this many minutes while entries are added.
    pub checkpoint_minutes: u64,
    /// Append each checkpoint to this file (keep it on another machine or medium).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness_file: Option<PathBuf>,
    /// POST each checkpoint as JSON to this URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness_url: Option<String>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            checkpoint_entries: 1000,
            checkpoint_minutes: 10,
            witness_file: None,
            witness_url: None,
        }
    }
}

impl AuditConfig {
    pub fn settings(&self) -> jiceng_server::audit::AuditSettings {
        jiceng_server::audit::AuditSettings {
            checkpoint_entries: self.checkpoint_entries.max(1),
            checkpoint_interval: std::time::Duration::from_secs(
                self.checkpoint_minutes.max(1) * 60,
            ),
            witness_file: self.witness_file.clone(),
            witness_url: self.witness_url.clone(),
            ..Default::default()
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./jiceng-data"),
            database_url: None,
            listen: "127.0.0.1:8080".to_owned(),
            metrics_listen: None,
            secure_cookies: true,
            body_limit: 1024 * 1024,
            audit: AuditConfig::default(),
            dispatch: DispatchConfig::default(),
            duplicates: Default::default(),
            sla: Default::default(),
            web_dir: None,
        }
    }
}

/// The settings given as flags; only those present override the lower layers.
#[derive(Debug, Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_cookies: Option<bool>,
}

impl FlagOverrides {
    pub fn from_data(args: &DataArgs) -> Self {
        Self {
            data_dir: args.data_dir.clone(),
            database_url: args.database_url.clone(),
            ..Self::default()
        }
    }
}

impl Config {
    /// Merges the layers. `file` is the `--config` flag or `JICENG_CONFIG`.
    pub fn load(file: Option<&Path>, flags: FlagOverrides) -> Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.is_file() {
                bail!("config file {} does not exist", path.display());
            }
            fig = fig.merge(Toml::file_exact(path));
        }
        let fig = fig
            .merge(Env::prefixed("JICENG_").ignore(&["config"]))
            .merge(Serialized::defaults(flags));
        let config: Config = fig
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<()> {
        self.listen_addr()?;
        self.metrics_addr()?;
        self.duplicates
            .check()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {}", e.message))?;
        self.sla
            .check()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {}", e.message))?;
        if let Some(url) = &self.database_url
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
        {
            bail!(
                "invalid database_url {}: use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB",
                redact_url(url)
            );
        }
        Ok(())
    }

    /// The listen address; a host name such as `localhost:8080` is resolved.
    pub fn listen_addr(&self) -> Result<SocketAddr> {
        resolve("listen", &self.listen, "127.0.0.1:8080")
    }

    /// The metrics listener's address, when metrics are served.
    pub fn metrics_addr(&self) -> Result<Option<SocketAddr>> {
        self.metrics_listen
            .as_deref()
            .map(|a| resolve("metrics_listen", a, "127.0.0.1:9464"))
            .transpose()
    }

    /// The database URL in force: the explicit one, or the SQLite file in the data directory.
    pub fn database_url(&self) -> Result<String> {
        match &self.database_url {
            Some(url) => Ok(url.clone()),
            None => sqlite_url(&self.data_dir.join(DB_FILE)),
        }
    }

    /// The configuration as TOML, with the database URL resolved and its password hidden.
    pub fn to_redacted_toml(&self) -> Result<String> {
        let mut shown = self.clone();
        shown.database_url = Some(redact_url(&self.database_url()?));
        shown.audit.witness_url = shown.audit.witness_url.as_deref().map(redact_url);
        toml::to_string(&shown).context("cannot render the configuration as TOML")
    }
}

fn resolve(key: &str, addr: &str, example: &str) -> Result<SocketAddr> {
    if let Ok(a) = addr.parse() {
        return Ok(a);
    }
    addr.to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| {
            anyhow::anyhow!("invalid {key} address {addr:?}: expected IP:PORT, e.g. {example}")
        })
}

/// `sqlite://PATH?mode=rwc`, with the characters SQLite's URL parser would misread escaped.
pub fn sqlite_url(path: &Path) -> Result<String> {
    let Some(s) = path.to_str() else {
        bail!("the data directory path {} is not UTF-8", path.display());
    };
    let mut escaped = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3F"),
            '#' => escaped.push_str("%23"),
            _ => escaped.push(c),
        }
    }
    Ok(format!("sqlite://{escaped}?mode=rwc"))
}

/// Hides the password of a database URL: `postgres://user:***@host/db`, and any
/// `password=` query parameter.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The last `@` ends the user info even when the password holds unescaped `@`, `/` or `?`.
    let (userinfo, after) = match rest.rsplit_once('@') {
        Some((u, a)) => (Some(u), a),
        None => (None, rest),
    };
    let mut out = format!("{scheme}://");
    if let Some(u) = userinfo {
        match u.split_once(':') {
            Some((user, _)) => out.push_str(&format!("{user}:***@")),
            None => out.push_str(&format!("{u}@")),
        }
    }
    match after.split_once('?') {
        Some((hostpath, q)) => {
            let params: Vec<String> = q
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            out.push_str(hostpath);
            out.push('?');
            out.push_str(&params.join("&"));
        }
        None => out.push_str(after),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://jiceng:s3cr@t:x@db.local:5432/jiceng?sslmode=require"),
            "postgres://jiceng:***@db.local:5432/jiceng?sslmode=require"
        );
        assert_eq!(
            redact_url("postgresql://db/jiceng?user=a&password=b"),
            "postgresql://db/jiceng?user=a&password=***"
        );
        assert_eq!(redact_url("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(redact_url("postgres://u:p/a?s@h/d"), "postgres://u:***@h/d");
        assert_eq!(
            redact_url("sqlite://./jiceng-data/jiceng.db?mode=rwc"),
            "sqlite://./jiceng-data/jiceng.db?mode=rwc"
        );
    }

    #[test]
    fn duplicate_settings_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jiceng.toml");
        std::fs::write(&file, "[duplicates]\nradius_m = 300.0\nwindow_days = 14\n").unwrap();
        let c = Config::load(Some(&file), FlagOverrides::default()).unwrap();
        assert_eq!(c.duplicates.radius_m, 300.0);
        assert_eq!(c.duplicates.window_days, 14);
        assert_eq!(
            c.duplicates.threshold, 0.4,
            "unset keys keep their defaults"
        );
        assert!(c.to_redacted_toml().unwrap().contains("[duplicates]"));
        for bad in ["threshold = 1.5", "radius_m = 0.0", "window_size = 3"] {
            std::fs::write(&file, format!("[duplicates]\n{bad}\n")).unwrap();
            let e = Config::load(Some(&file), FlagOverrides::default()).unwrap_err();
            assert!(
                e.to_string().contains("invalid configuration"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn sla_settings_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jiceng.toml");
        let text = r#"
[sla]
yellow_percent = 80
[sla.ladder]
supervision_after = "1个工作日"

[[sla.jurisdiction]]
unit = "浓洄街道"
working_hours = "08:30-12:00,14:00-18:00"
yellow_percent = 60
[sla.jurisdiction.emergency_ladder]
supervision_after = "1小时"

[[sla.jurisdiction]]
unit = "511602101000"
"#;
        std::fs::write(&file, text).unwrap();
        let c = Config::load(Some(&file), FlagOverrides::default()).unwrap();
        assert_eq!(c.sla.yellow_percent, Some(80));
        assert_eq!(c.sla.ladder.supervision_after.as_deref(), Some("1个工作日"));
        let j = &c.sla.jurisdiction;
        assert_eq!(j.len(), 2);
        assert_eq!(j[0].unit, "浓洄街道");
        assert_eq!(j[0].yellow_percent, Some(60));
        assert_eq!(
            j[0].emergency_ladder.supervision_after.as_deref(),
            Some("1小时")
        );
        assert_eq!(j[1].unit, "511602101000");
        let shown = c.to_redacted_toml().unwrap();
        assert!(shown.contains("[[sla.jurisdiction]]"), "{shown}");
        for (bad, key) in [
            ("[sla]\nyellow_percent = 0\n", "yellow_percent"),
            ("[sla]\nyelow_percent = 70\n", "yelow_percent"),
            (
                "[sla.ladder]\ncircular_after = \"3周\"\n",
                "ladder.circular_after",
            ),
            (
                "[[sla.jurisdiction]]\nunit = \"官盛镇\"\nworking_hours = \"17:00-09:00\"\n",
                "working_hours",
            ),
            (
                "[[sla.jurisdiction]]\nworking_hours = \"08:00-17:00\"\n",
                "unit",
            ),
        ] {
            std::fs::write(&file, bad).unwrap();
            let e = Config::load(Some(&file), FlagOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains("invalid configuration"), "{bad}: {e}");
            assert!(e.contains(key), "{bad}: {e}");
        }
    }

    #[test]
    fn sqlite_urls_escape_url_syntax() {
        assert_eq!(
            sqlite_url(Path::new("/tmp/a b/jiceng.db")).unwrap(),
            "sqlite:///tmp/a b/jiceng.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url(Path::new("./d?#%/jiceng.db")).unwrap(),
            "sqlite://./d%3F%23%25/jiceng.db?mode=rwc"
        );
    }
}
