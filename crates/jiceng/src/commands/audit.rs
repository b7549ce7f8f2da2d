//! `jiceng audit`: verify the log, sign a checkpoint, verify an evidence bundle offline.

use super::{domain_err, load_config, open};
use crate::cli::{AuditCommand, AuditVerifyArgs, VerifyBundleArgs};
use anyhow::{Context, Result, bail};
use ed25519_dalek::VerifyingKey;
use jiceng_kernel::audit::bundle::Bundle;
use jiceng_kernel::audit::chain::Chain;
use jiceng_kernel::audit::checkpoint::parse_public_key;
use std::path::Path;

pub async fn run(command: AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Verify(args) => verify(args).await,
        AuditCommand::Checkpoint(data) => checkpoint(&data).await,
        AuditCommand::VerifyBundle(args) => verify_bundle(&args),
    }
}

/// The text of a key given as hex, or as a file holding the hex.
pub(super) fn read_key_text(given: &str) -> Result<String> {
    Ok(if Path::new(given).is_file() {
        std::fs::read_to_string(given).with_context(|| format!("cannot read {given}"))?
    } else {
        given.to_owned()
    })
}

/// A key given as hex, or as a file holding the hex.
fn read_key(given: &str) -> Result<VerifyingKey> {
    let text = read_key_text(given)?;
    parse_public_key(&text).with_context(|| {
        format!("{given}: not an Ed25519 public key (64 hex digits, or a file holding them)")
    })
}

async fn verify(args: AuditVerifyArgs) -> Result<()> {
    let config = load_config(&args.data)?;
    let key = match &args.public_key {
        Some(k) => read_key(k)?,
        None => {
            let path = config
                .data_dir
                .join("keys")
                .join(jiceng_server::audit::PUBLIC_KEY_FILE);
            read_key(&path.to_string_lossy()).with_context(|| {
                format!(
                    "no public key given and none at {}: pass --public-key",
                    path.display()
                )
            })?
        }
    };
    let witness = match &args.witness {
        Some(p) => jiceng_server::audit::read_witness_file(p)?,
        None => Vec::new(),
    };
    let only = match &args.county {
        None => None,
        Some(c) => Some(Chain::parse(c).with_context(|| {
            format!("--county {c}: not a county id (a UUID), system or closed")
        })?),
    };
    let db = open(&config).await?;
    let started = std::time::Instant::now();
    let report = jiceng_orders::use_cases::verify_log(db.store.as_ref(), &key, &witness, only)
        .await
        .map_err(|e| domain_err("audit verify", e))?;
    db.store.close().await;
    let secs = started.elapsed().as_secs_f64();
    for c in &report.chains {
        let place = match (&c.in_province, report.province) {
            (Some(p), _) => format!("，头部（{} 条）在全省检查点中（包含证明成立）", p.head.size),
            (None, Some(true)) => "，尚未进入全省检查点".to_owned(),
            _ => String::new(),
        };
        match &c.fault {
            None => say!(
                "{}：验证通过，{} 条记录，{} 个检查点{place}",
                c.chain.describe_zh(),
                c.entries,
                c.checkpoints
            ),
            Some(f) => say!("{}：验证失败，{}", c.chain.describe_zh(), f.describe_zh()),
        }
    }
    if report.province == Some(false) {
        say!("全省检查点的签名无效或与其所列各链头部不符：检查点被改动或不是本服务器签发");
    }
    let faults = report.faults();
    if faults.is_empty() && report.ok() {
        say!(
            "审计日志验证通过：{} 条审计链，{} 条记录，{} 个检查点签名有效{}（用时 {secs:.2} 秒）",
            report.chains.len(),
            report.entries(),
            report.checkpoints(),
            if report.witnessed > 0 {
                format!("，与见证文件中的 {} 个检查点一致", report.witnessed)
            } else {
                String::new()
            }
        );
        say!(
            "audit log verified: {} chains, {} entries, {} checkpoints",
            report.chains.len(),
            report.entries(),
            report.checkpoints()
        );
        return Ok(());
    }
    for (chain, f) in &faults {
        say!(
            "chain {chain}: first entry that does not verify: {} ({})",
            f.seq(),
            serde_json::to_string(f).unwrap_or_default()
        );
    }
    match faults.first() {
        Some((chain, f)) => bail!(
            "audit log does not verify: chain {chain} at entry {} ({} of {} chains fail)",
            f.seq(),
            faults.len(),
            report.chains.len()
        ),
        None => bail!("audit log does not verify: the province checkpoint is not valid"),
    }
}

async fn checkpoint(data: &crate::cli::DataArgs) -> Result<()> {
    let config = load_config(data)?;
    let db = open(&config).await?;
    let made = db
        .orders
        .make_checkpoints()
        .await
        .map_err(|e| domain_err("audit checkpoint", e))?;
    db.store.close().await;
    for c in &made {
        say!(
            "signed checkpoint of chain {}: {} entries, root {}",
            c.checkpoint.chain,
            c.checkpoint.size,
            c.checkpoint.root
        );
    }
    if made.is_empty() {
        say!("no new entries since the last checkpoints");
    }
    Ok(())
}

fn verify_bundle(args: &VerifyBundleArgs) -> Result<()> {
    let key = read_key(&args.public_key)?;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let bundle: Bundle = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: 不是有效的证据包（第 {} 行第 {} 列：{e}）",
            args.file.display(),
            e.line(),
            e.column()
        )
    })?;
    match bundle.verify(&key) {
        Ok(n) => {
            say!(
                "证据包验证通过：{}，{} 条记录均包含在 {} 签名的检查点（共 {} 条）中",
                bundle.title,
                n,
                bundle.checkpoint.at.format("%Y-%m-%d %H:%M:%S UTC"),
                bundle.checkpoint.size
            );
            say!("bundle verified: {n} entries");
            Ok(())
        }
        Err(e) => {
            say!("证据包验证失败：{e}");
            bail!("bundle does not verify")
        }
    }
}
