//! The manifest written beside a backup (`FILE.manifest.json`): what the backup holds and the
//! SHA-256 of its bytes, so a restore can tell a whole, matching file from a damaged, truncated
//! or foreign one before it touches the target database.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use jiceng_store::backup::Census;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Tells a Jiceng backup manifest from any other JSON file.
pub const FORMAT: &str = "jiceng-backup";
/// Raised when a manifest field changes meaning; restore refuses versions it does not know.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// "sqlite" (the file is a SQLite database) or "postgres" (a `pg_dump` custom-format archive)
    pub backend: String,
    /// The newest migration applied in the backed-up database.
    pub schema_version: i64,
    pub county: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The version of the `jiceng` binary that wrote the backup.
    pub written_by: String,
    pub counts: Counts,
    /// The backup file's name, its size and the SHA-256 of its bytes.
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
    /// The public key the audit checkpoints were signed with, when the data directory had it:
    /// lets a restore on another machine verify the chain.
    pub audit_public_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub orders: i64,
    pub history: i64,
    pub audit_entries: i64,
    pub users: i64,
    pub units: i64,
}

impl From<&Census> for Counts {
    fn from(c: &Census) -> Self {
        Counts {
            orders: c.orders,
            history: c.history,
            audit_entries: c.audit_entries,
            users: c.users,
            units: c.units,
        }
    }
}

/// Where the manifest of `backup` lives.
pub fn path_of(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".manifest.json");
    PathBuf::from(name)
}

impl Manifest {
    /// Reads the manifest beside `backup` and refuses one this binary cannot trust.
    pub fn read_for(backup: &Path) -> Result<Manifest> {
        let path = path_of(backup);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read the backup's manifest {}: a backup is the file and its manifest together",
                path.display()
            )
        })?;
        let m: Manifest = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a backup manifest (line {}, column {}: {e})",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if m.format != FORMAT {
            bail!("{}: not a Jiceng backup manifest", path.display());
        }
        if m.format_version != FORMAT_VERSION {
            bail!(
                "{}: backup format version {} is not known to this jiceng (it reads version {FORMAT_VERSION})",
                path.display(),
                m.format_version
            );
        }
        Ok(m)
    }
}

/// A bar over a file's bytes, drawn on stderr only when it is a terminal.
pub fn byte_bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// A spinner for a step whose length is unknown (a snapshot, a dump).
pub fn spinner(what: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(what.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The SHA-256 (hex) and length of a file, read in blocks with a progress bar.
pub fn sha256_file(path: &Path, what: &str) -> Result<(String, u64)> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = byte_bar(len, what);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
        bar.set_position(total);
    }
    bar.finish_and_clear();
    Ok((hex::encode(hasher.finalize()), total))
}

/// Human size: 1.2 MB.
pub fn size(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}
