//! The server's audit duties: its Ed25519 signing key, and the tick that signs each chain's
//! checkpoints every N entries or T minutes, then the province checkpoint over them, and
//! hands the chains' checkpoints to a witness outside the database (run as the
//! `audit_checkpoint` job).

use anyhow::Context;
use ed25519_dalek::SigningKey;
use jiceng_kernel::audit::chain::Chain;
use jiceng_kernel::audit::checkpoint::{Checkpoint, StoredCheckpoint};
use jiceng_orders::use_cases::Orders;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const KEY_FILE: &str = "audit-ed25519.key";
pub const PUBLIC_KEY_FILE: &str = "audit-ed25519.pub";

/// When checkpoints are signed and where they go.
#[derive(Debug, Clone)]
pub struct AuditSettings {
    /// Sign once this many entries were added since the last checkpoint.
    pub checkpoint_entries: u64,
    /// Sign at least this often while entries are being added.
    pub checkpoint_interval: Duration,
    /// How often the log's size is looked at.
    pub poll: Duration,
    /// Appends each checkpoint as one JSON line.
    pub witness_file: Option<PathBuf>,
    /// POSTs each checkpoint as JSON.
    pub witness_url: Option<String>,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            checkpoint_entries: 1000,
            checkpoint_interval: Duration::from_secs(600),
            poll: Duration::from_secs(5),
            witness_file: None,
            witness_url: None,
        }
    }
}

/// The signing key in `dir/keys/`, created on first use with owner-only permissions; the
/// public key is written beside it for verifiers.
pub fn load_or_create_key(data_dir: &Path) -> anyhow::Result<SigningKey> {
    let dir = data_dir.join("keys");
    let path = dir.join(KEY_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .with_context(|| format!("{} is not a 32-byte hex key", path.display()))?;
        return Ok(SigningKey::from_bytes(&bytes));
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    restrict(&dir, 0o700)?;
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    let key = SigningKey::from_bytes(&seed);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    restrict(&path, 0o600)?;
    writeln!(f, "{}", hex::encode(seed))?;
    std::fs::write(
        dir.join(PUBLIC_KEY_FILE),
        format!("{}\n", hex::encode(key.verifying_key().as_bytes())),
    )?;
    tracing::info!(path = %path.display(), "created the audit signing key");
    Ok(key)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot restrict {}", path.display()))
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> anyhow::Result<()> {
    Ok(())
}

/// A checkpoint as a witness keeps it.
#[derive(Debug, Serialize)]
struct Witnessed<'a> {
    #[serde(flatten)]
    checkpoint: &'a Checkpoint,
    public_key: &'a str,
}

/// Reads the checkpoints a witness file holds (one JSON object per line).
pub fn read_witness_file(path: &Path) -> anyhow::Result<Vec<Checkpoint>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let cp: Checkpoint = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}: not a checkpoint", path.display(), i + 1))?;
        out.push(cp);
    }
    Ok(out)
}

/// One look at the chains: signs a checkpoint of each chain with `checkpoint_entries` new
/// entries or whose interval passed, then a province checkpoint over the chains' latest ones
/// if any was signed, and hands checkpoints newer than `exported` to the witness. Returns the
/// number of entries not yet under a checkpoint, over all chains.
pub async fn tick(
    orders: &Orders,
    settings: &AuditSettings,
    exported: &mut HashMap<Chain, u64>,
    client: Option<&reqwest::Client>,
) -> anyhow::Result<u64> {
    let now = orders.clock.now();
    let mut backlog = 0;
    let mut signed_any = false;
    for (chain, size) in orders.store.audit_chains().await? {
        let latest = orders.store.latest_checkpoint(chain).await?;
        let (done, at) = latest
            .as_ref()
            .map_or((0, None), |c| (c.checkpoint.size, Some(c.checkpoint.at)));
        let due_by_time = at
            .is_none_or(|t| (now - t).to_std().unwrap_or_default() >= settings.checkpoint_interval);
        let latest = if size >= done + settings.checkpoint_entries || (size > done && due_by_time) {
            let made = orders
                .make_checkpoint_at(chain, size, latest.as_ref())
                .await?;
            signed_any |= made.is_some();
            made.or(latest)
        } else {
            latest
        };
        let signed = latest.as_ref().map_or(0, |c| c.checkpoint.size);
        let sent = exported.entry(chain).or_default();
        if let Some(cp) = latest.filter(|c| c.checkpoint.size > *sent) {
            export(&cp, settings, client).await?;
            *sent = cp.checkpoint.size;
        }
        backlog += size.saturating_sub(signed);
    }
    if signed_any || orders.store.latest_province_checkpoint().await?.is_none() {
        orders.make_province_checkpoint().await?;
    }
    Ok(backlog)
}

async fn export(
    cp: &StoredCheckpoint,
    settings: &AuditSettings,
    client: Option<&reqwest::Client>,
) -> anyhow::Result<()> {
    let w = Witnessed {
        checkpoint: &cp.checkpoint,
        public_key: &cp.key_id,
    };
    if let Some(path) = &settings.witness_file {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open witness file {}", path.display()))?;
        writeln!(f, "{}", serde_json::to_string(&w)?)?;
        f.sync_data()?;
    }
    if let (Some(url), Some(client)) = (&settings.witness_url, client) {
        client
            .post(url)
            .json(&w)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .context("witness webhook refused the checkpoint")?;
    }
    Ok(())
}
