//! The audit log on both backends. Appends hold the one `audit_head` row while they write,
//! which serialises writers (a row lock on PostgreSQL, the single writer on SQLite), so every
//! entry links to the one before it. A trigger moves the head with each entry written.
//! Writers append last in their transaction to hold the head briefly.

use crate::pool::{Pools, SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use futures_util::TryStreamExt;
use jiceng_kernel::audit::Hash;
use jiceng_kernel::audit::chain::{AuditEntry, AuditRecord, Payload, StoredEntry};
use jiceng_kernel::audit::checkpoint::{Checkpoint, StoredCheckpoint};
use jiceng_kernel::audit::frontier::Frontier;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ports::AuditStore;
use sqlx::{PgConnection, Row, SqliteConnection};
use std::ops::ControlFlow;
use std::sync::Mutex;

/// Takes the head row for the transaction and reads it.
const LOCK_HEAD: &str = "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash";
/// Writes an entry; the trigger `audit_log_moves_head` moves the head to it.
const INSERT_ENTRY: &str = "INSERT INTO audit_log (seq, at, actor, action, object, payload, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
/// Writes an entry only if the head is still the entry it links to (number $1 - 1, hash $7).
const INSERT_ENTRY_AT_HEAD: &str = "INSERT INTO audit_log (seq, at, actor, action, object, payload, prev_hash, hash) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM audit_head WHERE id = 1 AND seq = $1 - 1 AND hash = $7";
/// Entries read per query when walking the log. The SQLite read pool buffers a whole page
/// (see `pool.rs`), so its worker thread reads ahead while the caller hashes.
pub(crate) const SCAN_PAGE: i64 = 20_000;
const SCAN: &str = "SELECT seq, at, actor, action, object, payload, prev_hash, hash FROM audit_log \
     WHERE seq > $1 ORDER BY seq LIMIT $2";
/// [`SCAN`] for SQLite, with the byte columns packed into one value by [`unpack`]: each value
/// a row carries is copied once more by the driver, so fewer values make reading faster.
/// `concat` keeps every byte of text and blobs as stored (the database is UTF-8).
const SCAN_PACKED: &str = "SELECT seq, at, concat(octet_length(prev_hash), ':', octet_length(hash), ':', \
     octet_length(actor), ':', octet_length(action), ':', octet_length(object), ':', \
     prev_hash, hash, actor, action, object, payload) FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2";

/// The stored bytes of prev_hash, hash, actor, action, object and payload from a packed
/// value of [`SCAN_PACKED`]; None if a length is missing (a column was NULL) or too long.
fn unpack(packed: &[u8]) -> Option<[&[u8]; 6]> {
    let mut rest = packed;
    let mut lens = [0usize; 5];
    for len in &mut lens {
        let colon = rest.iter().position(|&b| b == b':')?;
        *len = std::str::from_utf8(&rest[..colon]).ok()?.parse().ok()?;
        rest = &rest[colon + 1..];
    }
    let mut out = [&rest[..0]; 6];
    for (slot, len) in out.iter_mut().zip(lens) {
        if len > rest.len() {
            return None;
        }
        (*slot, rest) = rest.split_at(len);
    }
    out[5] = rest;
    Some(out)
}

/// The link to continue from, given the head row.
fn link(seq: i64, hash: &[u8]) -> Result<Option<(u64, Hash)>> {
    if seq == 0 {
        return Ok(None);
    }
    let h: Hash = hash.try_into().map_err(|_| corrupt())?;
    Ok(Some((u64::try_from(seq).map_err(|_| corrupt())?, h)))
}

fn corrupt() -> Error {
    Error::internal("审计日志的头部记录已损坏，请运行 jiceng audit verify")
}

/// The head this process last wrote (None: unknown). Only a guess: an append that starts
/// from it writes with [`INSERT_ENTRY_AT_HEAD`], which the database refuses unless the head
/// is still there, and reads the head if refused. With SQLite's one writer connection the
/// guess saves reading the head for nearly every append.
#[derive(Debug, Default)]
pub struct HeadHint(Mutex<Option<Option<(u64, Hash)>>>);

impl HeadHint {
    fn get(&self) -> Option<Option<(u64, Hash)>> {
        self.0.lock().map_or(None, |g| *g)
    }

    fn set(&self, head: Option<Option<(u64, Hash)>>) {
        if let Ok(mut g) = self.0.lock() {
            *g = head;
        }
    }
}

macro_rules! insert_entry {
    ($sql:expr, $e:expr, $c:expr) => {
        sqlx::query($sql)
            .bind($e.seq as i64)
            .bind(micros($e.at))
            .bind(&$e.actor)
            .bind(&$e.action)
            .bind(&$e.object)
            .bind($e.payload.text())
            .bind(&$e.prev_hash[..])
            .bind(&$e.hash[..])
            .execute(&mut *$c)
            .await
            .map_err(db_err)
    };
}

/// Appends audit entries inside the caller's transaction, after its other writes.
pub trait AppendAudit {
    /// Appends `records` in order; a no-op for none.
    fn append_audit(
        &mut self,
        hint: &HeadHint,
        records: &[AuditRecord],
    ) -> impl Future<Output = Result<()>> + Send;
}

impl AppendAudit for SqliteConnection {
    async fn append_audit(&mut self, hint: &HeadHint, records: &[AuditRecord]) -> Result<()> {
        let Some((first, rest)) = records.split_first() else {
            return Ok(());
        };
        let mut buf = Vec::with_capacity(512);
        let mut head = None;
        if let Some(guess) = hint.get() {
            let e = AuditEntry::after_with(guess, first, &mut buf);
            // Forget the guess first: if the transaction does not commit, it is wrong.
            hint.set(None);
            if insert_entry!(INSERT_ENTRY_AT_HEAD, e, self)?.rows_affected() == 1 {
                head = Some(Some((e.seq, e.hash)));
            }
        }
        let (mut link, rest) = match head {
            Some(h) => (h, rest),
            None => {
                let (seq, hash): (i64, Vec<u8>) = sqlx::query_as(LOCK_HEAD)
                    .fetch_one(&mut *self)
                    .await
                    .map_err(db_err)?;
                (link(seq, &hash)?, records)
            }
        };
        for r in rest {
            let e = AuditEntry::after_with(link, r, &mut buf);
            insert_entry!(INSERT_ENTRY, e, self)?;
            link = Some((e.seq, e.hash));
        }
        hint.set(Some(link));
        Ok(())
    }
}

impl AppendAudit for PgConnection {
    /// Many connections write at once: the head row is locked and read first, which makes
    /// concurrent appends wait their turn.
    async fn append_audit(&mut self, _hint: &HeadHint, records: &[AuditRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let (seq, hash): (i64, Vec<u8>) = sqlx::query_as(LOCK_HEAD)
            .fetch_one(&mut *self)
            .await
            .map_err(db_err)?;
        let mut link = link(seq, &hash)?;
        let mut buf = Vec::with_capacity(512);
        for r in records {
            let e = AuditEntry::after_with(link, r, &mut buf);
            insert_entry!(INSERT_ENTRY, e, self)?;
            link = Some((e.seq, e.hash));
        }
        Ok(())
    }
}

/// Appends `records` inside the transaction `$tx` of the store `$store`; a no-op for none.
macro_rules! append_audit {
    ($store:expr, $tx:expr, $records:expr) => {
        $crate::kernel::audit::AppendAudit::append_audit(&mut *$tx, &$store.audit_head, $records)
            .await?
    };
}

/// Walks the log after `$after` on pool `$p` with `$sql`, a page at a time, handing each row
/// (with its number and instant) made into a [`StoredEntry`] by `$entry` to `$visit`.
macro_rules! scan_pages {
    ($p:expr, $sql:expr, $after:expr, $visit:expr, |$row:ident, $seq:ident, $at:ident| $entry:expr) => {{
        let mut after = $after;
        loop {
            let mut rows = sqlx::query($sql).bind(after).bind(SCAN_PAGE).fetch($p);
            let mut n = 0;
            while let Some($row) = rows.try_next().await.map_err(db_err)? {
                let seq: i64 = $row.try_get_unchecked(0).map_err(db_err)?;
                let $at: i64 = $row.try_get_unchecked(1).map_err(db_err)?;
                let $seq = u64::try_from(seq).unwrap_or(0);
                let e: StoredEntry<'_> = $entry;
                n += 1;
                after = seq;
                if $visit(e).is_break() {
                    return Ok(());
                }
            }
            if n < SCAN_PAGE {
                return Ok(());
            }
        }
    }};
}

fn unreadable(seq: u64) -> Error {
    Error::internal(format!(
        "第 {seq} 条审计记录无法读取（字段为空），请检查数据库"
    ))
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
    #[tracing::instrument(name = "store.audit.append_audit", skip_all)]
    async fn append_audit(&self, records: &[AuditRecord]) -> Result<()> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            append_audit!(self, tx, records);
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.audit.audit_size", skip_all)]
    async fn audit_size(&self) -> Result<u64> {
        let n: i64 = on_read!(self, |p| sqlx::query_scalar(
            "SELECT seq FROM audit_head WHERE id = 1"
        )
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        u64::try_from(n).map_err(|_| corrupt())
    }

    #[tracing::instrument(name = "store.audit.audit_page", skip_all)]
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

    #[tracing::instrument(name = "store.audit.audit_scan", skip_all)]
    async fn audit_scan(
        &self,
        after: u64,
        visit: &mut (dyn for<'r> FnMut(StoredEntry<'r>) -> ControlFlow<()> + Send),
    ) -> Result<()> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        match &self.pools {
            Pools::Sqlite { read, .. } => {
                scan_pages!(read, SCAN_PACKED, after, visit, |row, seq, at| {
                    let packed: &[u8] = row.try_get_unchecked(2).map_err(db_err)?;
                    let [prev_hash, hash, actor, action, object, payload] =
                        unpack(packed).ok_or_else(|| unreadable(seq))?;
                    StoredEntry {
                        seq,
                        at,
                        actor,
                        action,
                        object,
                        payload,
                        prev_hash,
                        hash,
                    }
                })
            }
            Pools::Postgres(p) => scan_pages!(p, SCAN, after, visit, |row, seq, at| StoredEntry {
                seq,
                at,
                actor: row.try_get_unchecked(2).map_err(db_err)?,
                action: row.try_get_unchecked(3).map_err(db_err)?,
                object: row.try_get_unchecked(4).map_err(db_err)?,
                payload: row.try_get_unchecked(5).map_err(db_err)?,
                prev_hash: row.try_get_unchecked(6).map_err(db_err)?,
                hash: row.try_get_unchecked(7).map_err(db_err)?,
            }),
        }
    }

    #[tracing::instrument(name = "store.audit.audit_for_object", skip_all)]
    async fn audit_for_object(&self, object: &str) -> Result<Vec<AuditEntry>> {
        let sql = entries_where!("WHERE object = $1 ORDER BY seq");
        let rows: Vec<EntryRow> = on_read!(self, |p| sqlx::query_as(sql)
            .bind(object)
            .fetch_all(p)
            .await)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(entry).collect())
    }

    #[tracing::instrument(name = "store.audit.audit_leaves", skip_all)]
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

    #[tracing::instrument(name = "store.audit.insert_checkpoint", skip_all)]
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

    #[tracing::instrument(name = "store.audit.checkpoints", skip_all)]
    async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>> {
        let sql = checkpoints_by!("ORDER BY size");
        let rows: Vec<CheckpointRow> =
            on_read!(self, |p| sqlx::query_as(sql).fetch_all(p).await).map_err(db_err)?;
        rows.into_iter().map(checkpoint).collect()
    }

    #[tracing::instrument(name = "store.audit.latest_checkpoint", skip_all)]
    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let sql = checkpoints_by!("ORDER BY size DESC LIMIT 1");
        let row: Option<CheckpointRow> =
            on_read!(self, |p| sqlx::query_as(sql).fetch_optional(p).await).map_err(db_err)?;
        row.map(checkpoint).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::unpack;

    #[test]
    fn packed_columns_split_at_their_lengths() {
        let packed = b"2:3:1:0:4:\x00:h\x00:a\xff{}:x{\"a\":1}";
        let want: [&[u8]; 6] = [b"\x00:", b"h\x00:", b"a", b"", b"\xff{}:", b"x{\"a\":1}"];
        assert_eq!(unpack(packed), Some(want));
        assert_eq!(unpack(b"32:32::5:5:"), None, "a NULL column has no length");
        assert_eq!(
            unpack(b"2:2:2:2:9:abcdefgh"),
            None,
            "lengths beyond the value"
        );
        assert_eq!(unpack(b"1:1:1:1:1"), None);
    }
}
