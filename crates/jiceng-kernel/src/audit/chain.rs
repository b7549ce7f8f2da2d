//! The append-only log as a hash chain: each entry commits to its content and to the hash
//! of the entry before it, so a change anywhere breaks every link after it.

use super::Hash;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// The hash the first entry links to.
pub const GENESIS: Hash = [0u8; 32];

/// An entry's payload: JSON text kept byte for byte as written, because the hash covers
/// those bytes. Written from a `serde_json::Value`, whose maps keep their keys sorted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Payload(Box<RawValue>);

impl Payload {
    pub fn from_value(v: &Value) -> Self {
        // The serialiser writes JSON: nothing to check again.
        serde_json::value::to_raw_value(v).map_or_else(|_| Self::null(), Self)
    }

    /// Stored text, checked to be JSON.
    pub fn from_text(text: String) -> Result<Self, serde_json::Error> {
        RawValue::from_string(text).map(Self)
    }

    fn null() -> Self {
        Self(RawValue::NULL.to_owned())
    }

    pub fn text(&self) -> &str {
        self.0.get()
    }

    pub fn value(&self) -> Value {
        serde_json::from_str(self.text()).unwrap_or(Value::Null)
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Payload {}

/// What an entry records, before the log gives it a number and a link.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    /// Who acted: a user id, `system`, or `login:<username>` for a login attempt.
    pub actor: String,
    /// What happened: `work_order.dispatch`, `user.grant_role`, `auth.login`, `personal_data.read`…
    pub action: String,
    /// What it happened to: `work_order:<id>`, `user:<id>`…
    pub object: String,
    pub payload: Value,
}

impl AuditRecord {
    pub fn new(
        at: DateTime<Utc>,
        actor: impl Into<String>,
        action: impl Into<String>,
        object: impl Into<String>,
        payload: Value,
    ) -> Self {
        Self {
            at,
            actor: actor.into(),
            action: action.into(),
            object: object.into(),
            payload,
        }
    }
}

/// One entry of the log, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3, … without gaps.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub payload: Payload,
    #[serde(with = "hex_hash")]
    pub prev_hash: Hash,
    /// The entry's Merkle leaf hash (RFC 6962: SHA-256 of 0x00 and the canonical encoding),
    /// which also links the next entry to this one.
    #[serde(with = "hex_hash")]
    pub hash: Hash,
}

impl AuditEntry {
    /// The entry that records `r` after `prev` (None for the first one), with its hash.
    pub fn next(prev: Option<&AuditEntry>, r: &AuditRecord) -> Self {
        let link = prev.map(|p| (p.seq, p.hash));
        Self::after(link, r)
    }

    /// The entry after the one numbered `seq` with hash `hash` (None: the first entry).
    pub fn after(prev: Option<(u64, Hash)>, r: &AuditRecord) -> Self {
        let mut buf = Vec::with_capacity(512);
        Self::after_with(prev, r, &mut buf)
    }

    /// [`AuditEntry::after`] with a buffer for the encoding, for writers of many entries.
    pub fn after_with(prev: Option<(u64, Hash)>, r: &AuditRecord, buf: &mut Vec<u8>) -> Self {
        let (seq, prev_hash) = prev.map_or((1, GENESIS), |(s, h)| (s + 1, h));
        let mut e = Self {
            seq,
            // Stored and hashed in microseconds.
            at: DateTime::from_timestamp_micros(r.at.timestamp_micros()).unwrap_or(r.at),
            actor: r.actor.clone(),
            action: r.action.clone(),
            object: r.object.clone(),
            payload: Payload::from_value(&r.payload),
            prev_hash,
            hash: [0; 32],
        };
        buf.clear();
        e.stored().canonical_as(buf, seq);
        e.hash = super::merkle::leaf_hash(buf);
        e
    }

    /// The entry's fields as the log stores them.
    pub fn stored(&self) -> StoredEntry<'_> {
        StoredEntry {
            seq: self.seq,
            at: self.at.timestamp_micros(),
            actor: self.actor.as_bytes(),
            action: self.action.as_bytes(),
            object: self.object.as_bytes(),
            payload: self.payload.text().as_bytes(),
            prev_hash: &self.prev_hash,
            hash: &self.hash,
        }
    }

    pub fn canonical(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(256);
        self.canonical_as(&mut buf, self.seq);
        buf
    }

    /// The content of the entry in a stable encoding, as if numbered `seq`: see
    /// [`StoredEntry::canonical_as`].
    pub fn canonical_as(&self, buf: &mut Vec<u8>, seq: u64) {
        self.stored().canonical_as(buf, seq);
    }

    /// The hash the entry's content gives now (its Merkle leaf hash).
    pub fn compute_hash(&self) -> Hash {
        let mut buf = Vec::with_capacity(256);
        self.stored().leaf_as(&mut buf, self.seq)
    }

    /// The Merkle leaf of this entry, from its content.
    pub fn leaf(&self) -> Hash {
        self.compute_hash()
    }
}

/// An entry's fields exactly as stored, borrowed from wherever they were read: what
/// verification hashes. Text is taken as its stored bytes, hashes at their stored length,
/// so that nothing is normalised away before the hash is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredEntry<'a> {
    pub seq: u64,
    /// Microseconds since the Unix epoch.
    pub at: i64,
    pub actor: &'a [u8],
    pub action: &'a [u8],
    pub object: &'a [u8],
    pub payload: &'a [u8],
    pub prev_hash: &'a [u8],
    pub hash: &'a [u8],
}

impl StoredEntry<'_> {
    /// The content of the entry in a stable encoding, as if numbered `seq`: one JSON object
    /// with its keys in sorted order, the instant in microseconds, the payload's stored text
    /// and the previous hash in hex. Strings are escaped as `serde_json` escapes them.
    pub fn canonical_as(&self, buf: &mut Vec<u8>, seq: u64) {
        let mut num = itoa::Buffer::new();
        buf.reserve(
            96 + self.actor.len() + self.action.len() + self.object.len() + self.payload.len(),
        );
        buf.extend_from_slice(b"{\"action\":");
        json_string(buf, self.action);
        buf.extend_from_slice(b",\"actor\":");
        json_string(buf, self.actor);
        buf.extend_from_slice(b",\"at\":");
        buf.extend_from_slice(num.format(self.at).as_bytes());
        buf.extend_from_slice(b",\"object\":");
        json_string(buf, self.object);
        buf.extend_from_slice(b",\"payload\":");
        buf.extend_from_slice(self.payload);
        buf.extend_from_slice(b",\"prev\":\"");
        let mut hex_buf = [0u8; 64];
        match hex::encode_to_slice(self.prev_hash, &mut hex_buf) {
            Ok(()) => buf.extend_from_slice(&hex_buf),
            // A stored hash of the wrong length is hashed as it is, and fails.
            Err(_) => buf.extend_from_slice(hex::encode(self.prev_hash).as_bytes()),
        }
        buf.extend_from_slice(b"\",\"seq\":");
        buf.extend_from_slice(num.format(seq).as_bytes());
        buf.push(b'}');
    }

    /// The Merkle leaf hash of the entry's content as if numbered `seq`, encoded in `buf`.
    pub fn leaf_as(&self, buf: &mut Vec<u8>, seq: u64) -> Hash {
        buf.clear();
        self.canonical_as(buf, seq);
        super::merkle::leaf_hash(buf)
    }

    fn to_owned_entry(self) -> OwnedStored {
        OwnedStored {
            seq: self.seq,
            at: self.at,
            actor: self.actor.to_vec(),
            action: self.action.to_vec(),
            object: self.object.to_vec(),
            payload: self.payload.to_vec(),
            prev_hash: self.prev_hash.to_vec(),
            hash: self.hash.to_vec(),
        }
    }
}

/// A [`StoredEntry`] kept beyond the buffer it was read from.
#[derive(Debug, Clone)]
struct OwnedStored {
    seq: u64,
    at: i64,
    actor: Vec<u8>,
    action: Vec<u8>,
    object: Vec<u8>,
    payload: Vec<u8>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

impl OwnedStored {
    fn get(&self) -> StoredEntry<'_> {
        StoredEntry {
            seq: self.seq,
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            object: &self.object,
            payload: &self.payload,
            prev_hash: &self.prev_hash,
            hash: &self.hash,
        }
    }
}

/// Writes `s` as a JSON string exactly as `serde_json` writes a `str`: `"`, `\` and the
/// control characters below U+0020 escaped (`\b \t \n \f \r`, else `\u00XX` in lower-case
/// hex), every other byte as it is.
fn json_string(buf: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.push(b'"');
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            b'\t' => b't',
            b'\n' => b'n',
            0x0c => b'f',
            b'\r' => b'r',
            0x00..=0x1f => 0,
            _ => continue,
        };
        buf.extend_from_slice(&s[start..i]);
        if short == 0 {
            buf.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        } else {
            buf.extend_from_slice(&[b'\\', short]);
        }
        start = i + 1;
    }
    buf.extend_from_slice(&s[start..]);
    buf.push(b'"');
}

/// What is wrong at a place in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// The entry's content no longer gives its stored hash.
    Changed { seq: u64 },
    /// Entries are missing (deleted) from `from` to `to`.
    Missing { from: u64, to: u64 },
    /// The entry stands out of order: it belongs before entry `after`.
    Reordered { seq: u64, after: u64 },
    /// The entry does not belong to the log: it was inserted or forged.
    Inserted { seq: u64 },
    /// The log ends before an entry a signed checkpoint covers.
    Truncated { have: u64, checkpoint_size: u64 },
    /// The entries up to a signed checkpoint no longer give its root: they were rewritten
    /// after it was signed (somewhere after the previous checkpoint, `from`).
    Rewritten { from: u64, checkpoint_size: u64 },
    /// A checkpoint's signature does not verify with the server's public key.
    BadSignature { checkpoint_size: u64 },
}

impl Fault {
    pub fn describe_zh(&self) -> String {
        match self {
            Self::Changed { seq } => format!("第 {seq} 条记录的内容被改动（哈希不符）"),
            Self::Missing { from, to } if from == to => format!("第 {from} 条记录缺失（被删除）"),
            Self::Missing { from, to } => format!("第 {from}–{to} 条记录缺失（被删除）"),
            Self::Reordered { seq, after } => {
                format!("第 {seq} 条记录出现在第 {after} 条之后（顺序被调换）")
            }
            Self::Inserted { seq } => format!("第 {seq} 条记录是插入或伪造的（与日志不相连）"),
            Self::Truncated {
                have,
                checkpoint_size,
            } => {
                format!(
                    "日志只有 {have} 条，但已签名的检查点覆盖 {checkpoint_size} 条（尾部被截断）"
                )
            }
            Self::Rewritten {
                from,
                checkpoint_size,
            } => format!(
                "第 {from}–{checkpoint_size} 条记录与已签名的检查点（{checkpoint_size} 条）不符：签名后被整体改写"
            ),
            Self::BadSignature { checkpoint_size } => {
                format!(
                    "覆盖 {checkpoint_size} 条记录的检查点签名无效（检查点被改动或不是本服务器签发）"
                )
            }
        }
    }

    /// The first entry the fault concerns.
    pub fn seq(&self) -> u64 {
        match *self {
            Self::Changed { seq } | Self::Reordered { seq, .. } | Self::Inserted { seq } => seq,
            Self::Missing { from, .. } | Self::Rewritten { from, .. } => from,
            Self::Truncated { have, .. } => have + 1,
            Self::BadSignature { checkpoint_size } => checkpoint_size,
        }
    }
}

/// How far a renumbered entry is looked for: an attacker who deletes or inserts entries in
/// the middle must renumber the rest; their hashes still carry their true numbers.
const RENUMBER_WINDOW: u64 = 16;

/// Walks entries in sequence order and reports the first fault, if any.
///
/// Streaming: call [`ChainVerifier::push`] for each entry, then [`ChainVerifier::finish`].
/// An entry whose hash does not match is judged one entry later, to tell a swap of two
/// entries from a change of one. A renumbered entry (found by the number its hash was made
/// with) tells of entries deleted or inserted before it.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    last: Option<(u64, Hash)>,
    /// A jump in numbers seen at the previous entry: (first missing seq, seq that came instead).
    jump: Option<(u64, u64)>,
    /// An entry whose hash did not match, held for one step.
    suspect: Option<OwnedStored>,
    frontier: super::frontier::Frontier,
    pub count: u64,
    buf: Vec<u8>,
}

impl ChainVerifier {
    /// Continues after a verified prefix: its last entry (number, hash) and its frontier.
    pub fn resume(last: Option<(u64, Hash)>, frontier: super::frontier::Frontier) -> Self {
        Self {
            last,
            count: frontier.size(),
            frontier,
            ..Self::default()
        }
    }

    /// The last accepted entry's number and hash.
    pub fn last(&self) -> Option<(u64, Hash)> {
        self.last
    }

    pub fn frontier(&self) -> &super::frontier::Frontier {
        &self.frontier
    }

    /// The Merkle root of the entries accepted so far.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    pub fn push(&mut self, e: &AuditEntry) -> Result<(), Fault> {
        self.push_stored(e.stored())
    }

    /// Takes the next entry as stored: its hash is computed from these bytes.
    pub fn push_stored(&mut self, e: StoredEntry<'_>) -> Result<(), Fault> {
        let (want_seq, want_prev) = self.last.map_or((1, GENESIS), |(s, h)| (s + 1, h));
        if let Some(s) = self.suspect.take() {
            // Two neighbours swapped: each carries the other's content and links.
            let swapped = e.prev_hash == want_prev && s.prev_hash == e.hash;
            return Err(if swapped {
                Fault::Reordered {
                    seq: s.seq,
                    after: e.seq,
                }
            } else {
                self.classify(s.get())
            });
        }
        if let Some((want, came)) = self.jump {
            return Err(if e.seq == want {
                Fault::Reordered {
                    seq: want,
                    after: came,
                }
            } else {
                Fault::Missing {
                    from: want,
                    to: came - 1,
                }
            });
        }
        if e.seq > want_seq {
            self.jump = Some((want_seq, e.seq));
            return Ok(());
        }
        if e.seq < want_seq {
            return Err(Fault::Reordered {
                seq: e.seq,
                after: want_seq - 1,
            });
        }
        let hash = e.leaf_as(&mut self.buf, e.seq);
        if hash != e.hash {
            self.suspect = Some(e.to_owned_entry());
            return Ok(());
        }
        if e.prev_hash != want_prev {
            return Err(Fault::Inserted { seq: e.seq });
        }
        self.last = Some((e.seq, hash));
        self.frontier.push(hash);
        self.count += 1;
        Ok(())
    }

    /// What an entry that fails its hash tells, when it is not half of a swap: renumbered
    /// down, entries were deleted before it; renumbered up, entries were inserted; else its
    /// content was changed.
    fn classify(&mut self, e: StoredEntry<'_>) -> Fault {
        for d in 1..=RENUMBER_WINDOW {
            if e.seq > d && e.leaf_as(&mut self.buf, e.seq - d) == e.hash {
                return Fault::Inserted { seq: e.seq - d };
            }
            if e.leaf_as(&mut self.buf, e.seq + d) == e.hash {
                return Fault::Missing {
                    from: e.seq,
                    to: e.seq + d - 1,
                };
            }
        }
        Fault::Changed { seq: e.seq }
    }

    /// Checks a signed checkpoint once exactly `cp.size` entries have been pushed: its
    /// signature, and that the entries give its root. `from` is the previous checkpoint's size.
    pub fn check_checkpoint(
        &self,
        cp: &super::checkpoint::Checkpoint,
        key: &ed25519_dalek::VerifyingKey,
        from: u64,
    ) -> Result<(), Fault> {
        if !cp.verify(key) {
            return Err(Fault::BadSignature {
                checkpoint_size: cp.size,
            });
        }
        if self.suspect.is_none() && self.count == cp.size && cp.root_hash() == Some(self.root()) {
            return Ok(());
        }
        Err(Fault::Rewritten {
            from: from + 1,
            checkpoint_size: cp.size,
        })
    }

    /// The entries seen, checked against the largest size a signed checkpoint vouches for.
    pub fn finish(&mut self, checkpoint_size: u64) -> Result<u64, Fault> {
        if let Some(s) = self.suspect.take() {
            return Err(self.classify(s.get()));
        }
        if let Some((want, came)) = self.jump {
            return Err(Fault::Missing {
                from: want,
                to: came - 1,
            });
        }
        if self.count < checkpoint_size {
            return Err(Fault::Truncated {
                have: self.count,
                checkpoint_size,
            });
        }
        Ok(self.count)
    }
}

mod hex_hash {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(h))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let v = hex::decode(&s).map_err(serde::de::Error::custom)?;
        v.try_into()
            .map_err(|_| serde::de::Error::custom("a hash is 32 bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log(n: u64) -> Vec<AuditEntry> {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let mut v: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let e = AuditEntry::next(
                v.last(),
                &AuditRecord::new(
                    t,
                    "u1",
                    "work_order.note",
                    format!("work_order:{i}"),
                    json!({"text": "进展", "i": i}),
                ),
            );
            v.push(e);
        }
        v
    }

    fn verify(v: &[AuditEntry], checkpoint: u64) -> Result<u64, Fault> {
        let mut c = ChainVerifier::default();
        for e in v {
            c.push(e)?;
        }
        c.finish(checkpoint)
    }

    #[test]
    fn untouched_log_verifies() {
        assert_eq!(verify(&log(10), 10), Ok(10));
        assert_eq!(verify(&[], 0), Ok(0));
    }

    #[test]
    fn each_tampering_is_named() {
        let mut v = log(10);
        v[4].payload = Payload::from_value(&json!({"text": "改过", "i": 4}));
        assert_eq!(verify(&v, 10), Err(Fault::Changed { seq: 5 }));

        let mut v = log(10);
        v.remove(6);
        assert_eq!(verify(&v, 10), Err(Fault::Missing { from: 7, to: 7 }));

        let mut v = log(10);
        v.swap(2, 3);
        assert_eq!(verify(&v, 10), Err(Fault::Reordered { seq: 3, after: 4 }));

        let mut v = log(10);
        v.truncate(8);
        assert_eq!(
            verify(&v, 8),
            Ok(8),
            "a shorter log is only caught by a checkpoint"
        );

        // A forged entry with a valid hash of its own, slotted in with renumbered successors.
        let v = log(10);
        let mut forged = v[..5].to_vec();
        let fake = AuditEntry::next(
            Some(&v[3]),
            &AuditRecord::new(v[4].at, "intruder", "user.grant_role", "user:x", json!({})),
        );
        let mut fake = fake;
        fake.seq = 6;
        fake.hash = fake.compute_hash();
        forged.push(fake);
        assert_eq!(verify(&forged, 0), Err(Fault::Inserted { seq: 6 }));

        let v = log(10);
        assert_eq!(
            verify(&v[..8], 10),
            Err(Fault::Truncated {
                have: 8,
                checkpoint_size: 10
            })
        );
    }

    #[test]
    fn encoding_is_stable_and_round_trips() {
        let v = log(3);
        let json = serde_json::to_string(&v[2]).unwrap_or_default();
        let back: AuditEntry = serde_json::from_str(&json).unwrap_or_else(|_| v[0].clone());
        assert_eq!(back, v[2]);
        assert_eq!(back.compute_hash(), v[2].hash);
        assert_eq!(v[1].canonical(), v[1].clone().canonical());
    }

    #[test]
    fn canonical_encoding_is_sorted_json() {
        let r = AuditRecord::new(
            DateTime::from_timestamp(1_800_000_000, 123_000).unwrap_or_default(),
            "u\"1",
            "work_order.reply",
            "work_order:é",
            json!({"z": 1, "a": "换行\n和“引号”", "m": [1.5, null, true]}),
        );
        let e = AuditEntry::after(Some((41, [7u8; 32])), &r);
        let by_serde = serde_json::to_vec(&json!({
            "seq": 42,
            "at": r.at.timestamp_micros(),
            "actor": r.actor,
            "action": r.action,
            "object": r.object,
            "payload": r.payload,
            "prev": hex::encode([7u8; 32]),
        }))
        .unwrap();
        assert_eq!(
            String::from_utf8(e.canonical()).unwrap(),
            String::from_utf8(by_serde).unwrap()
        );
        assert_eq!(e.hash, crate::audit::merkle::leaf_hash(&e.canonical()));
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é“引号”\u{2028}\u{10FFFF}\\\"");
        for s in [String::new(), "plain".to_owned(), all] {
            let mut ours = Vec::new();
            json_string(&mut ours, s.as_bytes());
            assert_eq!(ours, serde_json::to_vec(&s).unwrap_or_default(), "{s:?}");
        }
        proptest::proptest!(|(s in ".*")| {
            let mut ours = Vec::new();
            json_string(&mut ours, s.as_bytes());
            proptest::prop_assert_eq!(ours, serde_json::to_vec(&s).unwrap_or_default());
        });
    }

    #[test]
    fn stored_bytes_are_what_is_checked() {
        let v = log(3);
        let mut c = ChainVerifier::default();
        for e in &v {
            assert_eq!(c.push_stored(e.stored()), Ok(()));
        }
        assert_eq!(c.finish(3), Ok(3));
        // A previous hash stored at another length is not read as some other hash.
        let short = &v[0].prev_hash[..31];
        let mut c = ChainVerifier::default();
        let first = StoredEntry {
            prev_hash: short,
            ..v[0].stored()
        };
        assert_eq!(c.push_stored(first), Ok(()));
        assert_eq!(c.finish(0), Err(Fault::Changed { seq: 1 }));
        // Text that is not UTF-8 is hashed as it is, and fails without stopping the walk.
        let mut c = ChainVerifier::default();
        let bad = StoredEntry {
            actor: b"u\xff1",
            ..v[0].stored()
        };
        assert_eq!(c.push_stored(bad), Ok(()));
        assert_eq!(c.push_stored(v[1].stored()), Err(Fault::Changed { seq: 1 }));
    }
}
