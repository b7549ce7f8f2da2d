//! `jiceng restore`: a backup into an empty database, checked against its manifest before the
//! target is touched, then the audit chain verified.

use super::backup::{census_of_file, require_tool, run_tool, split_password};
use super::load_config;
use super::manifest::{self, Counts, Manifest};
use crate::cli::RestoreArgs;
use crate::config::redact_url;
use anyhow::{Context, Result, bail};
use jiceng_store::SqlStore;
use jiceng_store::backup::{Census, Target, known_schema_version, sqlite_path};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

pub async fn run(args: RestoreArgs) -> Result<()> {
    let config = load_config(&args.data)?;
    let url = config.database_url()?;
    let shown = redact_url(&url);
    let started = Instant::now();
    let m = Manifest::read_for(&args.input)?;
    let backend = if url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    if m.backend != backend {
        bail!(
            "{} is a {} backup and {shown} a {backend} database: restore into the same kind",
            args.input.display(),
            m.backend
        );
    }
    let known = known_schema_version(backend);
    if m.schema_version > known {
        bail!(
            "the backup's schema ({}) is newer than this jiceng knows ({known}): restore with the \
             jiceng that wrote it ({}) or a later one",
            m.schema_version,
            m.written_by
        );
    }
    let (sha256, bytes) = manifest::sha256_file(&args.input, "checksum")?;
    if sha256 != m.sha256 || bytes != m.bytes {
        bail!(
            "{}: {} bytes with SHA-256 {sha256}, the manifest says {} bytes with {}: the backup is \
             damaged or incomplete; nothing was restored",
            args.input.display(),
            bytes,
            m.bytes,
            m.sha256
        );
    }
    match sqlite_path(&url) {
        Some(db) => sqlite(&m, &args.input, &db).await?,
        None if backend == "sqlite" => bail!("{shown}: cannot restore into an in-memory database"),
        None => postgres(&m, &args.input, &url, &shown).await?,
    }
    // Older schemas are brought forward, as `jiceng serve` would at its start.
    let store = SqlStore::connect(&url)
        .await
        .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let migrated = store.migrate().await;
    let verified = match migrated {
        Ok(()) => verify(&store, &config, &m, args.public_key.as_deref()).await,
        Err(e) => Err(anyhow::anyhow!("{shown}: {e}")),
    };
    store.close().await;
    let entries = verified?;
    say!(
        "恢复完成：{} 件工单，{} 条审计记录，审计日志验证通过，用时 {:.1} 秒",
        m.counts.orders,
        m.counts.audit_entries,
        started.elapsed().as_secs_f64()
    );
    say!(
        "restored into {shown}: {} ({} orders, {} audit entries, {entries} verified, {:.1} s)",
        manifest::size(m.bytes),
        m.counts.orders,
        m.counts.audit_entries,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Refuses a target holding anything a restore would overwrite.
fn refuse_target(target: &Target, shown: &str) -> Result<()> {
    match target {
        Target::Blank | Target::MigratedEmpty(_) => Ok(()),
        Target::Holding(c) => bail!(
            "{shown} is not empty ({} units, {} users, {} orders, {} audit entries): restore only \
             into an empty database; nothing was changed",
            c.units,
            c.users,
            c.orders,
            c.audit_entries
        ),
        Target::Foreign(n) => bail!(
            "{shown} holds {n} tables that are not a Jiceng database: restore only into an empty \
             database; nothing was changed"
        ),
    }
}

/// The restored data must be what the manifest describes.
fn check_census(m: &Manifest, c: &Census) -> Result<()> {
    if c.schema_version != m.schema_version || Counts::from(c) != m.counts {
        bail!(
            "the backup holds schema {} with {:?}, its manifest says schema {} with {:?}: they do \
             not belong together",
            c.schema_version,
            Counts::from(c),
            m.schema_version,
            m.counts
        );
    }
    Ok(())
}

async fn sqlite(m: &Manifest, input: &Path, db: &Path) -> Result<()> {
    let shown = db.display().to_string();
    let exists = std::fs::metadata(db).is_ok_and(|md| md.len() > 0);
    if exists {
        let url = crate::config::sqlite_url(db)?;
        let store = SqlStore::connect(&url)
            .await
            .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        let target = store.restore_target().await;
        store.close().await;
        refuse_target(
            &target.map_err(|e| anyhow::anyhow!("{shown}: {}", e.message))?,
            &shown,
        )?;
        // A WAL left after our connection closed means another process has the file open.
        if Path::new(&format!("{shown}-wal")).exists() {
            bail!("{shown} is in use (its -wal file remains): stop the server first");
        }
    }
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Copied beside the target and renamed over it: the target is either untouched or whole.
    let tmp = tempfile::Builder::new()
        .prefix(".jiceng-restore-")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let bar = manifest::byte_bar(m.bytes, "copy");
    {
        let mut from = std::fs::File::open(input)
            .with_context(|| format!("cannot read {}", input.display()))?;
        let mut to = bar.wrap_write(tmp.as_file());
        std::io::copy(&mut from, &mut to)
            .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    }
    bar.finish_and_clear();
    tmp.as_file()
        .sync_all()
        .context("cannot flush the restored database to disk")?;
    check_census(m, &census_of_file(tmp.path()).await?)?;
    tmp.as_file()
        .sync_all()
        .context("cannot flush the restored database to disk")?;
    tmp.persist(db)
        .map_err(|e| anyhow::anyhow!("cannot write {shown}: {}", e.error))?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

async fn postgres(m: &Manifest, input: &Path, url: &str, shown: &str) -> Result<()> {
    require_tool("pg_restore")?;
    let store = SqlStore::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let target = store.restore_target().await;
    store.close().await;
    let target = target.map_err(|e| anyhow::anyhow!("{shown}: {}", e.message))?;
    refuse_target(&target, shown)?;
    let (conn_url, password) = split_password(url);
    let mut cmd = Command::new("pg_restore");
    // One transaction: a failed restore leaves the database as it was.
    cmd.args([
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
    ]);
    if let Target::MigratedEmpty(c) = &target {
        if c.schema_version != m.schema_version {
            bail!(
                "{shown} is migrated to schema {} and the backup has {}: restore into a new, \
                 empty database (createdb); nothing was changed",
                c.schema_version,
                m.schema_version
            );
        }
        // Its empty tables are dropped and created again from the dump.
        cmd.args(["--clean", "--if-exists"]);
    }
    cmd.arg("--dbname").arg(&conn_url).arg(input);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    run_tool(cmd, "pg_restore", None).await?;
    let store = SqlStore::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let census = store.census().await;
    store.close().await;
    check_census(
        m,
        &census.map_err(|e| anyhow::anyhow!("{shown}: {}", e.message))?,
    )
}

/// Verifies the restored audit chain; answers the entries checked.
async fn verify(
    store: &SqlStore,
    config: &crate::config::Config,
    m: &Manifest,
    given: Option<&str>,
) -> Result<u64> {
    let local = config
        .data_dir
        .join("keys")
        .join(jiceng_server::audit::PUBLIC_KEY_FILE);
    let local = std::fs::read_to_string(&local)
        .ok()
        .map(|k| k.trim().to_owned());
    if let (Some(l), Some(b)) = (&local, &m.audit_public_key)
        && l != b
    {
        eprintln!(
            "warning: the data directory's audit key is not the one that signed this backup's \
             checkpoints: copy keys/ from the server the backup was taken on"
        );
    }
    // The manifest is not signed: the key this server holds, or the one given, comes first, so
    // that a backup re-signed with a key of its own does not verify by naming that key.
    let hex = match (given, &local, &m.audit_public_key) {
        (Some(g), _, _) => super::audit::read_key_text(g)?,
        (None, Some(l), _) => l.clone(),
        (None, None, Some(b)) => b.clone(),
        (None, None, None) => {
            bail!("restored, but no audit public key to verify with: pass --public-key")
        }
    };
    let key = jiceng_kernel::audit::checkpoint::parse_public_key(&hex)
        .context("not an Ed25519 public key (64 hex digits)")?;
    let report = jiceng_orders::use_cases::verify_log(store, &key, &[], None)
        .await
        .map_err(|e| super::domain_err("audit verify", e))?;
    match report.faults().first() {
        None if report.ok() => {
            say!(
                "audit log verified: {} chains, {} entries, {} checkpoints",
                report.chains.len(),
                report.entries(),
                report.checkpoints()
            );
            Ok(report.entries())
        }
        None => bail!("restored, but the province checkpoint of the audit log is not valid"),
        Some((chain, f)) => {
            say!(
                "审计日志验证失败：{}：{}",
                chain.describe_zh(),
                f.describe_zh()
            );
            bail!(
                "restored, but the audit log does not verify: chain {chain} at entry {}",
                f.seq()
            )
        }
    }
}
