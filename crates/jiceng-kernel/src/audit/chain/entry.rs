//! The log's entries: what a record says, and the entry the log makes of it, numbered,
//! linked to the one before and hashed.

use super::{Chain, GENESIS, StoredEntry};
use crate::audit::Hash;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

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
    /// The chain the record is appended to: its subject's county, or the system chain.
    pub chain: Chain,
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
        chain: Chain,
        at: DateTime<Utc>,
        actor: impl Into<String>,
        action: impl Into<String>,
        object: impl Into<String>,
        payload: Value,
    ) -> Self {
        Self {
            chain,
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
        e.hash = crate::audit::merkle::leaf_hash(buf);
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
