//! The audit log on both backends. Appends take the one `audit_head` row first, which
//! serialises writers (a row lock on PostgreSQL, the single writer on SQLite), so every entry
//! links to the one before it. Writers append last in their transaction to hold it briefly.

use crate::pool::{SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use jiceng_core::audit::Hash;
use jiceng_core::audit::chain::{AuditEntry, AuditRecord, Payload};
use jiceng_core::audit::checkpoint::{Checkpoint, StoredCheckpoint};
use jiceng_core::audit::frontier::Frontier;
use jiceng_core::error::{Error, Result};
use jiceng_core::ports::AuditStore;

pub(crate) const LOCK_HEAD: &str =
    "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash";
pub(crate) const INSERT_ENTRY: &str = "INSERT INTO audit_log (seq, at, actor, action, object, payload, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub(crate) const SET_HEAD: &str = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1";

/// The link to continue from, given the head row.
pub(crate) fn link(seq: i64, hash: &[u8]) -> Result<Option<(u64, Hash)>> {
    if seq == 0 {
        return Ok(None);
    }
    let h: Hash = hash.try_into().map_err(|_| corrupt())?;
    Ok(Some((u64::try_from(seq).map_err(|_| corrupt())?, h)))
}

fn corrupt() -> Error {
    Error::internal("审计日志的头部记录已损坏，请运行 jiceng audit verify")
}

/// Appends `records` inside the transaction `$tx`; a no-op for none.
macro_rules! append_audit {
    ($tx:expr, $records:expr) => {{
        let records: &[jiceng_core::audit::chain::AuditRecord] = $records;
        if !records.is_empty() {
            let (seq, hash): (i64, Vec<u8>) = sqlx::query_as($crate::audit::LOCK_HEAD)
                .fetch_one(&mut *$tx)
                .await
                .map_err($crate::pool::db_err)?;
            let mut link = $crate::audit::link(seq, &hash)?;
            for r in records {
                let e = jiceng_core::audit::chain::AuditEntry::after(link, r);
                sqlx::query($crate::audit::INSERT_ENTRY)
                    .bind(e.seq as i64)
                    .bind($crate::rows::micros(e.at))
                    .bind(&e.actor)
                    .bind(&e.action)
                    .bind(&e.object)
                    .bind(e.payload.text())
                    .bind(&e.prev_hash[..])
                    .bind(&e.hash[..])
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::pool::db_err)?;
                link = Some((e.seq, e.hash));
            }
            if let Some((s, h)) = link {
                sqlx::query($crate::audit::SET_HEAD)
                    .bind(s as i64)
                    .bind(&h[..])
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::pool::db_err)?;
            }
        }
    }};
}

type EntryRow = (i64, i64, String, String, String, String, Vec<u8>, Vec<u8>);

fn hash32(v: Vec<u8>) -> Hash {
    // A hash column of the wrong length is tampering; zeros make the entry fail its check.
    v.try_into().unwrap_or([0u8; 32])
}

fn entry((seq, at, actor, action, object, payload, prev, hash): EntryRow) -> AuditEntry {
    let payload = Payload::from_text(payload.clone())
        .unwrap_or_else(|_| Payload::from_value(&serde_json::Value::String(payload)));
    AuditEntry {
        seq: u64::try_from(seq).unwrap_or(0),
        at: from_micros(at),
        actor,
        action,
        object,
        payload,
        prev_hash: hash32(prev),
        hash: hash32(hash),
    }
}

type CheckpointRow = (i64, Vec<u8>, i64, Vec<u8>, String, Vec<u8>, String);

fn checkpoint(
    (size, root, at, sig, key_id, last, frontier): CheckpointRow,
) -> Result<StoredCheckpoint> {
    let size = u64::try_from(size).map_err(|_| corrupt())?;
    Ok(StoredCheckpoint {
        checkpoint: Checkpoint {
            size,
            root: hex::encode(root),
            at: from_micros(at),
            signature: hex::encode(sig),
        },
        key_id,
        last_hash: hash32(last),
        frontier: Frontier::from_hex(size, &frontier).unwrap_or_default(),
    })
}

macro_rules! entries_where {
    ($rest:literal) => {
        concat!(
            "SELECT seq, at, actor, action, object, payload, prev_hash, hash FROM audit_log ",
            $rest
        )
    };
}
macro_rules! checkpoints_by {
    ($rest:literal) => {
        concat!(
            "SELECT size, root, at, signature, key_id, last_hash, frontier FROM audit_checkpoints ",
            $rest
        )
    };
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, records: &[AuditRecord]) -> Result<()> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            append_audit!(tx, records);
            tx.commit().await.map_err(db_err)
        })
    }

    async fn audit_size(&self) -> Result<u64> {
        let n: i64 = on_read!(self, |p| sqlx::query_scalar(
            "SELECT seq FROM audit_head WHERE id = 1"
        )
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        u64::try_from(n).map_err(|_| corrupt())
    }

    async fn audit_page(&self, after: u64, limit: u32) -> Result<Vec<AuditEntry>> {
        let sql = entries_where!("WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows: Vec<EntryRow> = on_read!(self, |p| sqlx::query_as(sql)
            .bind(i64::try_from(after).unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(p)
            .await)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(entry).collect())
    }

    async fn audit_for_object(&self, object: &str) -> Result<Vec<AuditEntry>> {
        let sql = entries_where!("WHERE object = $1 ORDER BY seq");
        let rows: Vec<EntryRow> = on_read!(self, |p| sqlx::query_as(sql)
            .bind(object)
            .fetch_all(p)
            .await)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(entry).collect())
    }

    async fn audit_leaves(&self, size: u64) -> Result<Vec<Hash>> {
        let rows: Vec<Vec<u8>> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT hash FROM audit_log WHERE seq <= $1 ORDER BY seq"
        )
        .bind(i64::try_from(size).unwrap_or(i64::MAX))
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(hash32).collect())
    }

    async fn insert_checkpoint(&self, cp: &StoredCheckpoint) -> Result<bool> {
        let c = &cp.checkpoint;
        let root = c.root_hash().ok_or_else(corrupt)?;
        let sig = hex::decode(&c.signature).map_err(|_| corrupt())?;
        let r = on_write!(self, |p| sqlx::query(
            "INSERT INTO audit_checkpoints (size, root, at, signature, key_id, last_hash, frontier) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (size) DO NOTHING"
        )
        .bind(i64::try_from(c.size).map_err(|_| corrupt())?)
        .bind(&root[..])
        .bind(micros(c.at))
        .bind(&sig[..])
        .bind(&cp.key_id)
        .bind(&cp.last_hash[..])
        .bind(cp.frontier.to_hex())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .map_err(db_err)?;
        Ok(r == 1)
    }

    async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>> {
        let sql = checkpoints_by!("ORDER BY size");
        let rows: Vec<CheckpointRow> =
            on_read!(self, |p| sqlx::query_as(sql).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(checkpoint).collect()
    }

    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let sql = checkpoints_by!("ORDER BY size DESC LIMIT 1");
        let row: Option<CheckpointRow> =
            on_read!(self, |p| sqlx::query_as(sql).fetch_optional(p).await).map_err(db_err)?;
        row.map(checkpoint).transpose()
    }
}
