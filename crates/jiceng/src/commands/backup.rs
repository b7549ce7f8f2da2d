//! `jiceng backup`: a consistent copy of the database, taken while the server may be writing,
//! with a manifest beside it (see `manifest.rs`).
//!
//! SQLite is copied with `VACUUM INTO`, not the online backup API: the workspace forbids
//! `unsafe`, and the backup API is only reachable through the raw connection handle. `VACUUM
//! INTO` is as online and as consistent (one read transaction, which in WAL mode never blocks
//! the server's writer) and writes a compact file with no WAL beside it. PostgreSQL is dumped by
//! `pg_dump` in its custom format, sharing the snapshot the manifest's counts were taken in.

use super::load_config;
use super::manifest::{self, Counts, FORMAT, FORMAT_VERSION, Manifest};
use crate::cli::BackupArgs;
use crate::config::{Config, redact_url};
use anyhow::{Context, Result, bail};
use jiceng_store::SqlStore;
use jiceng_store::backup::{Census, sqlite_path};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::NamedTempFile;

pub async fn run(args: BackupArgs) -> Result<()> {
    let config = load_config(&args.data)?;
    let url = config.database_url()?;
    let shown = redact_url(&url);
    let output = &args.output;
    let manifest_path = manifest::path_of(output);
    for p in [output, &manifest_path] {
        if p.exists() {
            bail!("{} already exists: choose a new file name", p.display());
        }
    }
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    // Written under a temporary name beside the output, so a failed backup leaves no file
    // that looks whole.
    let tmp = tempfile::Builder::new()
        .prefix(".jiceng-backup-")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let started = Instant::now();
    let (backend, census) = match sqlite_path(&url) {
        Some(db) => ("sqlite", sqlite(&url, &db, tmp.path()).await?),
        None if url.starts_with("sqlite:") => {
            bail!("{shown}: an in-memory database has nothing to back up")
        }
        None => ("postgres", postgres(&url, &shown, tmp.path()).await?),
    };
    tmp.as_file()
        .sync_all()
        .context("cannot flush the backup to disk")?;
    let (sha256, bytes) = manifest::sha256_file(tmp.path(), "checksum")?;
    tmp.persist_noclobber(output)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", output.display(), e.error))?;
    let m = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        backend: backend.into(),
        schema_version: census.schema_version,
        county: census.county.clone(),
        created_at: chrono::Utc::now(),
        written_by: env!("CARGO_PKG_VERSION").into(),
        counts: Counts::from(&census),
        file: output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes,
        sha256,
        audit_public_key: public_key(&config),
    };
    write_manifest(&m, &manifest_path, &dir)?;
    say!(
        "备份完成：{}，{}，{} 件工单，{} 条审计记录，用时 {:.1} 秒",
        output.display(),
        manifest::size(bytes),
        census.orders,
        census.audit_entries,
        started.elapsed().as_secs_f64()
    );
    say!(
        "backup written: {} ({}, {} orders, {} audit entries, schema {}, {:.1} s); manifest {}",
        output.display(),
        manifest::size(bytes),
        census.orders,
        census.audit_entries,
        census.schema_version,
        started.elapsed().as_secs_f64(),
        manifest_path.display()
    );
    Ok(())
}

async fn sqlite(url: &str, db: &Path, into: &Path) -> Result<Census> {
    if !db.is_file() {
        bail!("no database at {}", db.display());
    }
    let bar = manifest::spinner("snapshot");
    let store = SqlStore::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", db.display()))?;
    let done = store.sqlite_snapshot_into(into).await;
    store.close().await;
    done.map_err(|e| anyhow::anyhow!("snapshot of {} failed: {}", db.display(), e.message))?;
    // Counted in the copy itself: the manifest describes exactly what the file holds.
    let census = census_of_file(into).await?;
    bar.finish_and_clear();
    Ok(census)
}

/// Opens a SQLite file, counts what it holds and closes it (leaving no WAL beside it).
pub async fn census_of_file(path: &Path) -> Result<Census> {
    let url = crate::config::sqlite_url(path)?;
    let store = SqlStore::connect(&url)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let census = store.census().await;
    store.close().await;
    census.map_err(|e| anyhow::anyhow!("{}: not a Jiceng database ({})", path.display(), e.message))
}

async fn postgres(url: &str, shown: &str, into: &Path) -> Result<Census> {
    require_tool("pg_dump")?;
    let store = SqlStore::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let snapshot = store
        .pg_snapshot()
        .await
        .map_err(|e| anyhow::anyhow!("{shown}: {}", e.message))?;
    let (conn_url, password) = split_password(url);
    let mut cmd = Command::new("pg_dump");
    cmd.arg("--format=custom")
        .arg(format!("--snapshot={}", snapshot.id))
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--file")
        .arg(into)
        .arg("--dbname")
        .arg(&conn_url);
    // The password goes through the environment, not the command line other users can read.
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    run_tool(cmd, "pg_dump", Some(into)).await?;
    let census = snapshot.census.clone();
    snapshot
        .finish()
        .await
        .map_err(|e| anyhow::anyhow!("{shown}: {}", e.message))?;
    store.close().await;
    Ok(census)
}

/// Fails with one line when a PostgreSQL client tool is not on PATH.
pub fn require_tool(tool: &str) -> Result<()> {
    match Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => bail!("{tool} --version failed ({s}): check the PostgreSQL client tools"),
        Err(_) => bail!(
            "{tool} not found on PATH: install the PostgreSQL client tools (e.g. postgresql-client) \
             of the server's major version or newer"
        ),
    }
}

/// Runs a client tool with a spinner (showing the bytes written to `watch`), and fails with
/// the last line it wrote to stderr.
pub async fn run_tool(mut cmd: Command, tool: &str, watch: Option<&Path>) -> Result<()> {
    let bar = manifest::spinner(tool);
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {tool}"))?;
    let status = loop {
        if let Some(s) = child.try_wait().with_context(|| format!("{tool} failed"))? {
            break s;
        }
        if let Some(w) = watch {
            let len = std::fs::metadata(w).map(|m| m.len()).unwrap_or(0);
            bar.set_message(format!("{tool} {}", manifest::size(len)));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    bar.finish_and_clear();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read as _;
            let _ = e.read_to_string(&mut err);
        }
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        bail!("{tool} failed ({status}): {last}");
    }
    Ok(())
}

/// `postgres://user:pass@host/db` → (`postgres://user@host/db`, the decoded password).
pub fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let Some((userinfo, after)) = rest.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let Some((user, pass)) = userinfo.split_once(':') else {
        return (url.to_owned(), None);
    };
    (
        format!("{scheme}://{user}@{after}"),
        Some(percent_decode(pass)),
    )
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn public_key(config: &Config) -> Option<String> {
    let path = config
        .data_dir
        .join("keys")
        .join(jiceng_server::audit::PUBLIC_KEY_FILE);
    std::fs::read_to_string(path)
        .ok()
        .map(|k| k.trim().to_owned())
}

fn write_manifest(m: &Manifest, path: &Path, dir: &Path) -> Result<()> {
    use std::io::Write as _;
    let mut tmp = NamedTempFile::with_prefix_in(".jiceng-manifest-", dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let text = serde_json::to_string_pretty(m).context("cannot render the manifest")?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist_noclobber(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}
