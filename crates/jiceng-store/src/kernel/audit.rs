//! The audit log on both backends: one hash chain per county and the system chain
//! (`county_id`, the chain's key, first in every key), and the closed log of the time before
//! chains. An append holds its chain's `audit_head` row while it writes, which serialises the
//! writers of one chain (a row lock on PostgreSQL, the single writer on SQLite) so that every
//! entry links to the one before it; writers of other chains take other rows and do not
//! wait. The head is moved by an explicit UPDATE in the transaction of the INSERTs. Records
//! for several chains take the heads in the order of the chains' keys, so two such writers
//! never wait for each other in a cycle. Writers append last in their transaction to hold
//! heads briefly.

use crate::pool::{Pools, SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use futures_util::TryStreamExt;
use jiceng_kernel::audit::Hash;
use jiceng_kernel::audit::chain::{AuditEntry, AuditRecord, Chain, Payload, StoredEntry};
use jiceng_kernel::audit::checkpoint::{Checkpoint, StoredCheckpoint};
use jiceng_kernel::audit::frontier::Frontier;
use jiceng_kernel::audit::province::ProvinceCheckpoint;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ports::AuditStore;
use sqlx::{PgConnection, Row, SqliteConnection};
use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::Mutex;
use uuid::Uuid;

/// Takes a chain's head row for the transaction and reads it.
const LOCK_HEAD: &str = "UPDATE audit_head SET seq = seq WHERE county_id = $1 RETURNING seq, hash";
/// Makes a chain's head on its first append: number 0 and the genesis, the closed log's last
/// hash. A writer that loses the race to make it finds it made.
const MAKE_HEAD: &str = "INSERT INTO audit_head (county_id, seq, hash) \
     SELECT $1, 0, hash FROM audit_head_closed WHERE id = 1 ON CONFLICT (county_id) DO NOTHING";
/// Moves a chain's head to its new last entry.
const MOVE_HEAD: &str = "UPDATE audit_head SET seq = $2, hash = $3 WHERE county_id = $1";
/// Moves a chain's head only if it is still where this process last left it ($4, $5).
const MOVE_HEAD_FROM: &str = "UPDATE audit_head SET seq = $2, hash = $3 \
     WHERE county_id = $1 AND seq = $4 AND hash = $5";
const INSERT_ENTRY: &str = "INSERT INTO audit_log \
     (county_id, seq, at, actor, action, object, payload, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
/// Entries read per query when walking the log. The SQLite read pool buffers a whole page
/// (see `pool.rs`), so its worker thread reads ahead while the caller hashes.
pub(crate) const SCAN_PAGE: i64 = 20_000;

/// The SQL of a read of one chain: on the closed log, or on the keyed tables with the key as
/// the last parameter `$n`.
fn on_chain(chain: Chain, closed: &'static str, keyed: &'static str) -> &'static str {
    if chain == Chain::Closed {
        closed
    } else {
        keyed
    }
}

macro_rules! scan_sql {
    ($cols:expr, $table:literal, $pred:literal) => {
        concat!(
            "SELECT seq, at, ",
            $cols,
            " FROM ",
            $table,
            " WHERE ",
            $pred,
            "seq > $1 ORDER BY seq LIMIT $2"
        )
    };
}
/// The columns of an entry for SQLite, packed into one value by [`unpack`]: each value a row carries is
/// copied once more by the driver, so fewer values make reading faster. `concat` keeps every
/// byte of text and blobs as stored (the database is UTF-8).
macro_rules! packed_cols {
    () => {
        "concat(octet_length(prev_hash), ':', octet_length(hash), ':', \
         octet_length(actor), ':', octet_length(action), ':', octet_length(object), ':', \
         prev_hash, hash, actor, action, object, payload)"
    };
}
const SCAN: [&str; 2] = [
    scan_sql!(
        "actor, action, object, payload, prev_hash, hash",
        "audit_log_closed",
        ""
    ),
    scan_sql!(
        "actor, action, object, payload, prev_hash, hash",
        "audit_log",
        "county_id = $3 AND "
    ),
];
const SCAN_PACKED: [&str; 2] = [
    scan_sql!(packed_cols!(), "audit_log_closed", ""),
    scan_sql!(packed_cols!(), "audit_log", "county_id = $3 AND "),
];

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

/// A chain's head: the number and hash of its last entry (0 and the genesis when empty).
type Head = (u64, Hash);

fn head_of(seq: i64, hash: &[u8]) -> Result<Head> {
    let h: Hash = hash.try_into().map_err(|_| corrupt())?;
    Ok((u64::try_from(seq).map_err(|_| corrupt())?, h))
}

fn corrupt() -> Error {
    Error::internal("审计日志的头部记录已损坏，请运行 jiceng audit verify")
}

fn closed_append() -> Error {
    Error::internal("分链前的审计日志已封存，不能再写入")
}

/// The heads this process last wrote, by chain key. Only a guess: an append that starts from
/// it moves the head with [`MOVE_HEAD_FROM`], which changes nothing unless the head is still
/// there, and reads the head if so. With SQLite's one writer connection the guess saves
/// reading the head for nearly every append.
#[derive(Debug, Default)]
pub struct HeadHint(Mutex<HashMap<Uuid, Head>>);

impl HeadHint {
    /// Takes the guess for `key` out: if the transaction does not commit, it is wrong.
    fn take(&self, key: Uuid) -> Option<Head> {
        self.0.lock().ok().and_then(|mut g| g.remove(&key))
    }

    fn set(&self, key: Uuid, head: Head) {
        if let Ok(mut g) = self.0.lock() {
            g.insert(key, head);
        }
    }
}

/// The records grouped by chain key, the keys in order: the order heads are locked in.
fn by_chain(records: &[AuditRecord]) -> Result<BTreeMap<Uuid, Vec<&AuditRecord>>> {
    let mut out: BTreeMap<Uuid, Vec<&AuditRecord>> = BTreeMap::new();
    for r in records {
        let key = r.chain.key().ok_or_else(closed_append)?;
        out.entry(key).or_default().push(r);
    }
    Ok(out)
}

/// The entries of `records` after `head`, and the new head.
fn entries_after(
    head: Head,
    records: &[&AuditRecord],
    buf: &mut Vec<u8>,
) -> (Vec<AuditEntry>, Head) {
    let mut link = head;
    let out = records
        .iter()
        .map(|r| {
            let e = AuditEntry::after_with(Some(link), r, buf);
            link = (e.seq, e.hash);
            e
        })
        .collect();
    (out, link)
}

/// The body of an append on connection `$c` (either backend): per chain in key order, move
/// the head (from the guess if there is one, else after locking and reading it), then write
/// the entries.
macro_rules! append_body {
    ($c:expr, $hint:expr, $records:expr, $use_hint:expr) => {{
        let mut buf = Vec::with_capacity(512);
        for (key, records) in by_chain($records)? {
            let guess = if $use_hint { $hint.take(key) } else { None };
            let mut written = None;
            if let Some(g) = guess {
                let (entries, last) = entries_after(g, &records, &mut buf);
                let moved = sqlx::query(MOVE_HEAD_FROM)
                    .bind(key)
                    .bind(last.0 as i64)
                    .bind(&last.1[..])
                    .bind(g.0 as i64)
                    .bind(&g.1[..])
                    .execute(&mut *$c)
                    .await
                    .map_err(db_err)?;
                if moved.rows_affected() == 1 {
                    written = Some((entries, last));
                }
            }
            let (entries, last) = match written {
                Some(w) => w,
                None => {
                    let mut row: Option<(i64, Vec<u8>)> = sqlx::query_as(LOCK_HEAD)
                        .bind(key)
                        .fetch_optional(&mut *$c)
                        .await
                        .map_err(db_err)?;
                    if row.is_none() {
                        sqlx::query(MAKE_HEAD)
                            .bind(key)
                            .execute(&mut *$c)
                            .await
                            .map_err(db_err)?;
                        row = sqlx::query_as(LOCK_HEAD)
                            .bind(key)
                            .fetch_optional(&mut *$c)
                            .await
                            .map_err(db_err)?;
                    }
                    let (seq, hash) = row.ok_or_else(corrupt)?;
                    let (entries, last) = entries_after(head_of(seq, &hash)?, &records, &mut buf);
                    sqlx::query(MOVE_HEAD)
                        .bind(key)
                        .bind(last.0 as i64)
                        .bind(&last.1[..])
                        .execute(&mut *$c)
                        .await
                        .map_err(db_err)?;
                    (entries, last)
                }
            };
            for e in &entries {
                sqlx::query(INSERT_ENTRY)
                    .bind(key)
                    .bind(e.seq as i64)
                    .bind(micros(e.at))
                    .bind(&e.actor)
                    .bind(&e.action)
                    .bind(&e.object)
                    .bind(e.payload.text())
                    .bind(&e.prev_hash[..])
                    .bind(&e.hash[..])
                    .execute(&mut *$c)
                    .await
                    .map_err(db_err)?;
            }
            if $use_hint {
                $hint.set(key, last);
            }
        }
        Ok(())
    }};
}

/// Appends audit entries inside the caller's transaction, after its other writes.
pub trait AppendAudit {
    /// Appends each of `records` to its chain, in order within a chain; a no-op for none.
    fn append_audit(
        &mut self,
        hint: &HeadHint,
        records: &[AuditRecord],
    ) -> impl Future<Output = Result<()>> + Send;
}

impl AppendAudit for SqliteConnection {
    async fn append_audit(&mut self, hint: &HeadHint, records: &[AuditRecord]) -> Result<()> {
        append_body!(self, hint, records, true)
    }
}

impl AppendAudit for PgConnection {
    /// Many connections write at once: each head is locked and read first, which makes
    /// concurrent appends to one chain wait their turn.
    async fn append_audit(&mut self, hint: &HeadHint, records: &[AuditRecord]) -> Result<()> {
        append_body!(self, hint, records, false)
    }
}

/// Appends `records` inside the transaction `$tx` of the store `$store`; a no-op for none.
macro_rules! append_audit {
    ($store:expr, $tx:expr, $records:expr) => {
        $crate::kernel::audit::AppendAudit::append_audit(&mut *$tx, &$store.audit_head, $records)
            .await?
    };
}

/// Walks a chain after `$after` on pool `$p` with `$sql` (the key `$key` bound last when
/// given), a page at a time, handing each row (with its number and instant) made into a
/// [`StoredEntry`] by `$entry` to `$visit`.
macro_rules! scan_pages {
    ($p:expr, $sql:expr, $key:expr, $after:expr, $visit:expr, |$row:ident, $seq:ident, $at:ident| $entry:expr) => {{
        let mut after = $after;
        loop {
            let mut q = sqlx::query($sql).bind(after).bind(SCAN_PAGE);
            if let Some(k) = $key {
                q = q.bind(k);
            }
            let mut rows = q.fetch($p);
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

/// Runs `$q`, a query built on `$sql` with its common parameters, with the chain's key bound
/// last when the chain has one.
macro_rules! with_key {
    ($q:expr, $chain:expr) => {{
        let q = $q;
        match $chain.key() {
            Some(k) => q.bind(k),
            None => q,
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
    chain: Chain,
    (size, root, at, sig, key_id, last, frontier): CheckpointRow,
) -> Result<StoredCheckpoint> {
    let size = u64::try_from(size).map_err(|_| corrupt())?;
    Ok(StoredCheckpoint {
        checkpoint: Checkpoint {
            chain,
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

macro_rules! entries_of {
    ($rest:literal) => {
        [
            concat!(
                "SELECT seq, at, actor, action, object, payload, prev_hash, hash FROM audit_log_closed WHERE ",
                $rest
            ),
            concat!(
                "SELECT seq, at, actor, action, object, payload, prev_hash, hash FROM audit_log \
                 WHERE county_id = $3 AND ",
                $rest
            ),
        ]
    };
}
macro_rules! checkpoints_of {
    ($rest:literal) => {
        [
            concat!(
                "SELECT size, root, at, signature, key_id, last_hash, frontier FROM audit_checkpoints_closed ",
                $rest
            ),
            concat!(
                "SELECT size, root, at, signature, key_id, last_hash, frontier FROM audit_checkpoints \
                 WHERE county_id = $1 ",
                $rest
            ),
        ]
    };
}

fn pick(chain: Chain, sql: [&'static str; 2]) -> &'static str {
    on_chain(chain, sql[0], sql[1])
}

fn size_of(n: Option<i64>) -> Result<u64> {
    u64::try_from(n.unwrap_or(0)).map_err(|_| corrupt())
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

    #[tracing::instrument(name = "store.audit.audit_chains", skip_all)]
    async fn audit_chains(&self) -> Result<Vec<(Chain, u64)>> {
        let closed: i64 = on_read!(self, |p| sqlx::query_scalar(
            "SELECT seq FROM audit_head_closed WHERE id = 1"
        )
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        // Each chain's head and latest checkpoint, one chain at a time (the system chain and
        // every county's): the log itself is not scanned, so the checkpoint job can list the
        // chains at every tick. A chain whose head row was removed is still known by its
        // checkpoints (and by the province tree, see verify_log).
        let mut keys = vec![jiceng_kernel::audit::chain::SYSTEM_KEY];
        {
            use jiceng_accounts::ports::OrgStore;
            keys.extend(self.counties().await?.iter().map(|u| u.path.county().0));
        }
        let mut rows: Vec<(Uuid, i64)> = Vec::with_capacity(keys.len());
        for key in keys {
            let seq: Option<i64> = on_read!(self, |p| sqlx::query_scalar(
                "SELECT max(seq) FROM ( \
                   SELECT seq FROM audit_head WHERE county_id = $1 \
                   UNION ALL SELECT max(size) FROM audit_checkpoints WHERE county_id = $1 \
                 ) heads"
            )
            .bind(key)
            .fetch_one(p)
            .await)
            .map_err(db_err)?;
            if let Some(seq) = seq {
                rows.push((key, seq));
            }
        }
        let mut out = Vec::with_capacity(rows.len() + 1);
        if closed > 0 {
            out.push((Chain::Closed, size_of(Some(closed))?));
        }
        for (key, seq) in rows {
            out.push((Chain::from_key(key), size_of(Some(seq))?));
        }
        out.sort_by_key(|(c, _)| *c);
        Ok(out)
    }

    #[tracing::instrument(name = "store.audit.audit_genesis", skip_all)]
    async fn audit_genesis(&self) -> Result<Hash> {
        let h: Vec<u8> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT hash FROM audit_head_closed WHERE id = 1"
        )
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        h.try_into().map_err(|_| corrupt())
    }

    #[tracing::instrument(name = "store.audit.audit_size", skip_all)]
    async fn audit_size(&self, chain: Chain) -> Result<u64> {
        let sql = on_chain(
            chain,
            "SELECT seq FROM audit_head_closed WHERE id = 1",
            "SELECT seq FROM audit_head WHERE county_id = $1",
        );
        let n: Option<i64> = on_read!(self, |p| with_key!(sqlx::query_scalar(sql), chain)
            .fetch_optional(p)
            .await)
        .map_err(db_err)?;
        size_of(n)
    }

    #[tracing::instrument(name = "store.audit.audit_page", skip_all)]
    async fn audit_page(&self, chain: Chain, after: u64, limit: u32) -> Result<Vec<AuditEntry>> {
        let sql = pick(chain, entries_of!("seq > $1 ORDER BY seq LIMIT $2"));
        let rows: Vec<EntryRow> = on_read!(self, |p| with_key!(
            sqlx::query_as(sql)
                .bind(i64::try_from(after).unwrap_or(i64::MAX))
                .bind(i64::from(limit)),
            chain
        )
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(entry).collect())
    }

    #[tracing::instrument(name = "store.audit.audit_scan", skip_all)]
    async fn audit_scan(
        &self,
        chain: Chain,
        after: u64,
        visit: &mut (dyn for<'r> FnMut(StoredEntry<'r>) -> ControlFlow<()> + Send),
    ) -> Result<()> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let key = chain.key();
        match &self.pools {
            Pools::Sqlite { read, .. } => {
                let sql = pick(chain, SCAN_PACKED);
                scan_pages!(read, sql, key, after, visit, |row, seq, at| {
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
            Pools::Postgres(p) => {
                let sql = pick(chain, SCAN);
                scan_pages!(p, sql, key, after, visit, |row, seq, at| StoredEntry {
                    seq,
                    at,
                    actor: row.try_get_unchecked(2).map_err(db_err)?,
                    action: row.try_get_unchecked(3).map_err(db_err)?,
                    object: row.try_get_unchecked(4).map_err(db_err)?,
                    payload: row.try_get_unchecked(5).map_err(db_err)?,
                    prev_hash: row.try_get_unchecked(6).map_err(db_err)?,
                    hash: row.try_get_unchecked(7).map_err(db_err)?,
                })
            }
        }
    }

    #[tracing::instrument(name = "store.audit.audit_for_object", skip_all)]
    async fn audit_for_object(&self, chain: Chain, object: &str) -> Result<Vec<AuditEntry>> {
        // $2 is unused but keeps the key third, as in the other reads of entries.
        let sql = pick(chain, entries_of!("object = $1 AND seq > $2 ORDER BY seq"));
        let rows: Vec<EntryRow> = on_read!(self, |p| with_key!(
            sqlx::query_as(sql).bind(object).bind(0i64),
            chain
        )
        .fetch_all(p)
        .await)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(entry).collect())
    }

    #[tracing::instrument(name = "store.audit.audit_leaves", skip_all)]
    async fn audit_leaves(&self, chain: Chain, size: u64) -> Result<Vec<Hash>> {
        let sql = on_chain(
            chain,
            "SELECT hash FROM audit_log_closed WHERE seq <= $1 ORDER BY seq",
            "SELECT hash FROM audit_log WHERE county_id = $2 AND seq <= $1 ORDER BY seq",
        );
        let rows: Vec<Vec<u8>> = on_read!(self, |p| with_key!(
            sqlx::query_scalar(sql).bind(i64::try_from(size).unwrap_or(i64::MAX)),
            chain
        )
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
        let sql = on_chain(
            c.chain,
            "INSERT INTO audit_checkpoints_closed (size, root, at, signature, key_id, last_hash, frontier) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (size) DO NOTHING",
            "INSERT INTO audit_checkpoints (size, root, at, signature, key_id, last_hash, frontier, county_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (county_id, size) DO NOTHING",
        );
        let size = i64::try_from(c.size).map_err(|_| corrupt())?;
        let frontier = cp.frontier.to_hex();
        let r = on_write!(self, |p| with_key!(
            sqlx::query(sql)
                .bind(size)
                .bind(&root[..])
                .bind(micros(c.at))
                .bind(&sig[..])
                .bind(&cp.key_id)
                .bind(&cp.last_hash[..])
                .bind(&frontier),
            c.chain
        )
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .map_err(db_err)?;
        Ok(r == 1)
    }

    #[tracing::instrument(name = "store.audit.checkpoints", skip_all)]
    async fn checkpoints(&self, chain: Chain) -> Result<Vec<StoredCheckpoint>> {
        let sql = pick(chain, checkpoints_of!("ORDER BY size"));
        let rows: Vec<CheckpointRow> = on_read!(self, |p| with_key!(sqlx::query_as(sql), chain)
            .fetch_all(p)
            .await)
        .map_err(db_err)?;
        rows.into_iter().map(|r| checkpoint(chain, r)).collect()
    }

    #[tracing::instrument(name = "store.audit.latest_checkpoint", skip_all)]
    async fn latest_checkpoint(&self, chain: Chain) -> Result<Option<StoredCheckpoint>> {
        let sql = pick(chain, checkpoints_of!("ORDER BY size DESC LIMIT 1"));
        let row: Option<CheckpointRow> = on_read!(self, |p| with_key!(sqlx::query_as(sql), chain)
            .fetch_optional(p)
            .await)
        .map_err(db_err)?;
        row.map(|r| checkpoint(chain, r)).transpose()
    }

    #[tracing::instrument(name = "store.audit.insert_province_checkpoint", skip_all)]
    async fn insert_province_checkpoint(
        &self,
        cp: &ProvinceCheckpoint,
        key_id: &str,
    ) -> Result<()> {
        let root = cp.root_hash().ok_or_else(corrupt)?;
        let sig = hex::decode(&cp.signature).map_err(|_| corrupt())?;
        let chains = serde_json::to_string(&cp.chains).map_err(|_| corrupt())?;
        // The next number; a writer that loses the race to it fails and the next tick retries.
        on_write!(self, |p| sqlx::query(
            "INSERT INTO audit_province_checkpoints (id, at, root, signature, key_id, chains) \
             SELECT coalesce(max(id), 0) + 1, $1, $2, $3, $4, $5 FROM audit_province_checkpoints"
        )
        .bind(micros(cp.at))
        .bind(&root[..])
        .bind(&sig[..])
        .bind(key_id)
        .bind(&chains)
        .execute(p)
        .await
        .map(drop))
        .map_err(db_err)?;
        Ok(())
    }

    #[tracing::instrument(name = "store.audit.latest_province_checkpoint", skip_all)]
    async fn latest_province_checkpoint(&self) -> Result<Option<ProvinceCheckpoint>> {
        let row: Option<(i64, Vec<u8>, Vec<u8>, String)> = on_read!(self, |p| sqlx::query_as(
            "SELECT at, root, signature, chains FROM audit_province_checkpoints \
             ORDER BY id DESC LIMIT 1"
        )
        .fetch_optional(p)
        .await)
        .map_err(db_err)?;
        let Some((at, root, sig, chains)) = row else {
            return Ok(None);
        };
        Ok(Some(ProvinceCheckpoint {
            // Heads that no longer parse fail the tree's check.
            chains: serde_json::from_str(&chains).unwrap_or_default(),
            root: hex::encode(root),
            at: from_micros(at),
            signature: hex::encode(sig),
        }))
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
