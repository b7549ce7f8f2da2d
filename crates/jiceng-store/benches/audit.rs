//! Verification of a 1,000,000-entry audit log beside `sha256sum` over a file of the same
//! size, measured in the same run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiceng_kernel::audit::chain::{AuditEntry, AuditRecord, Chain};
use jiceng_kernel::audit::checkpoint::{Checkpoint, StoredCheckpoint};
use jiceng_kernel::audit::frontier::Frontier;
use jiceng_kernel::ports::AuditStore;
use serde_json::json;
use std::io::Write;
use std::time::Instant;

fn env_usize(k: &str, d: usize) -> usize {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

const ACTIONS: [&str; 6] = [
    "register",
    "dispatch",
    "accept",
    "note",
    "reply",
    "follow_up",
];
const STATUSES: [&str; 6] = [
    "registered",
    "dispatched",
    "handling",
    "handling",
    "replied",
    "closed",
];

/// The county whose chain the benchmark writes.
const CHAIN: Chain = Chain::County(jiceng_kernel::ids::CountyId(uuid::Uuid::from_u128(
    0x0190_0000_0000_7000_8000_0000_0000_0001,
)));

/// An entry shaped like a work-order step the store writes.
fn record(i: usize, at: chrono::DateTime<chrono::Utc>) -> AuditRecord {
    let k = i % 6;
    AuditRecord::new(
        CHAIN,
        at + chrono::Duration::milliseconds(i as i64),
        uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + (i % 97) as u128)
            .to_string(),
        format!("work_order.{}", ACTIONS[k]),
        format!(
            "work_order:{}",
            uuid::Uuid::from_u128(0x0191_0000_0000_7000_8000_0000_0000_0000 + (i / 6) as u128)
        ),
        json!({"number": format!("JC20261124{:06}", i / 6), "version": k + 1, "actor_name": "城管局 张三",
               "from": STATUSES[k.saturating_sub(1)], "to": STATUSES[k],
               "detail": {"text": "已安排人员到现场处理，预计今日内完成", "lead": "城管局"}}),
    )
}

#[tokio::main]
async fn main() {
    let n = env_usize("JICENG_BENCH_AUDIT_ENTRIES", 1_000_000);
    let db = jiceng_store::testing::sqlite().await;
    let s = db.store.clone();
    let at = chrono::Utc::now();
    let key = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
    eprintln!("audit: writing {n} entries");
    let started = Instant::now();
    let batch = 5000;
    let mut i = 0;
    while i < n {
        let recs: Vec<AuditRecord> = (i..(i + batch).min(n)).map(|j| record(j, at)).collect();
        s.append_audit(&recs).await.unwrap();
        i += recs.len();
    }
    let write_secs = started.elapsed().as_secs_f64();
    // The canonical bytes of the log, for the size and for sha256sum's file; and a checkpoint.
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut out = std::io::BufWriter::new(file.reopen().unwrap());
    let mut bytes = 0u64;
    let mut frontier = Frontier::default();
    let mut last = [0u8; 32];
    let mut after = 0;
    loop {
        let page: Vec<AuditEntry> = s.audit_page(CHAIN, after, 50_000).await.unwrap();
        let Some(l) = page.last() else { break };
        after = l.seq;
        for e in &page {
            let c = e.canonical();
            bytes += c.len() as u64;
            out.write_all(&c).unwrap();
            frontier.push(e.hash);
            last = e.hash;
        }
    }
    out.flush().unwrap();
    drop(out);
    let cp = Checkpoint::sign(&key, CHAIN, n as u64, &frontier.root(), at);
    s.insert_checkpoint(&StoredCheckpoint {
        checkpoint: cp,
        key_id: hex::encode(key.verifying_key().as_bytes()),
        last_hash: last,
        frontier,
    })
    .await
    .unwrap();

    eprintln!("audit: reading only");
    let started = Instant::now();
    let mut seen = 0usize;
    s.audit_scan(CHAIN, 0, &mut |_| {
        seen += 1;
        std::ops::ControlFlow::Continue(())
    })
    .await
    .unwrap();
    assert_eq!(seen, n);
    let read_secs = started.elapsed().as_secs_f64();
    eprintln!("audit: verifying");
    let started = Instant::now();
    let report =
        jiceng_orders::use_cases::verify_log(s.as_ref(), &key.verifying_key(), &[], Some(CHAIN))
            .await
            .unwrap();
    let verify_secs = started.elapsed().as_secs_f64();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.entries(), n as u64);

    eprintln!("audit: sha256sum on {bytes} bytes");
    let started = Instant::now();
    let st = std::process::Command::new("sha256sum")
        .arg(file.path())
        .output()
        .expect("sha256sum runs");
    let sha_secs = started.elapsed().as_secs_f64();
    assert!(st.status.success());

    let mb = bytes as f64 / 1e6;
    let ours = mb / verify_secs;
    let theirs = mb / sha_secs;
    println!("# Audit log verification ({n} entries, SQLite)\n");
    println!(
        "The log: {n} entries shaped like work-order steps, {mb:.1} MB in canonical encoding (mean {:.0} bytes), \
         written in {write_secs:.1} s ({:.0} entries/s in batches of {batch}), one signed checkpoint over all of it.\n",
        bytes as f64 / n as f64,
        n as f64 / write_secs
    );
    println!("| measure | time | throughput |\n|---|---|---|");
    println!(
        "| `jiceng audit verify` path: read every entry from SQLite, re-encode, hash, check links, rebuild the Merkle root, check the signature | {verify_secs:.2} s | {ours:.1} MB/s, {:.0} entries/s |",
        n as f64 / verify_secs
    );
    println!(
        "| reading every entry only (part of the above) | {read_secs:.2} s | {:.1} MB/s |",
        mb / read_secs
    );
    println!(
        "| `sha256sum` over a file of the same {mb:.1} MB (baseline) | {sha_secs:.2} s | {theirs:.1} MB/s |"
    );
    println!(
        "| verification / sha256sum | | {:.1} % (target ≥ 50 %: {}) |",
        ours / theirs * 100.0,
        if ours / theirs >= 0.5 {
            "met"
        } else {
            "NOT met"
        }
    );
}
