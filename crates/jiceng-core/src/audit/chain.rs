//! The append-only log as a hash chain: each entry commits to its content and to the hash
//! of the entry before it, so a change anywhere breaks every link after it.

use super::Hash;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The hash the first entry links to.
pub const GENESIS: Hash = [0u8; 32];

/// One entry of the log, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3, … without gaps.
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// Who acted: a user id, or `system`.
    pub actor: String,
    /// What happened: `work_order.dispatch`, `user.grant_role`, `auth.login`, `personal_data.read`…
    pub action: String,
    /// What it happened to: `work_order:<id>`, `user:<id>`…
    pub object: String,
    pub payload: Value,
    #[serde(with = "hex_hash")]
    pub prev_hash: Hash,
    #[serde(with = "hex_hash")]
    pub hash: Hash,
}

/// The content of an entry in a stable encoding: JSON with sorted keys, instants in
/// microseconds, the previous hash in hex. `serde_json` maps keep keys sorted, so the same
/// entry always encodes to the same bytes.
pub fn canonical(
    seq: u64,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    object: &str,
    payload: &Value,
    prev: &Hash,
) -> Vec<u8> {
    let v = json!({
        "seq": seq,
        "at": at.timestamp_micros(),
        "actor": actor,
        "action": action,
        "object": object,
        "payload": payload,
        "prev": hex::encode(prev),
    });
    serde_json::to_vec(&v).unwrap_or_default()
}

impl AuditEntry {
    /// A new entry after `prev` (None for the first one), with its hash.
    pub fn next(
        prev: Option<&AuditEntry>,
        at: DateTime<Utc>,
        actor: &str,
        action: &str,
        object: &str,
        payload: Value,
    ) -> Self {
        let (seq, prev_hash) = prev.map_or((1, GENESIS), |p| (p.seq + 1, p.hash));
        let mut e = Self {
            seq,
            at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            object: object.to_owned(),
            payload,
            prev_hash,
            hash: [0; 32],
        };
        e.hash = e.compute_hash();
        e
    }

    pub fn canonical(&self) -> Vec<u8> {
        canonical(
            self.seq,
            self.at,
            &self.actor,
            &self.action,
            &self.object,
            &self.payload,
            &self.prev_hash,
        )
    }

    /// The hash the entry's content gives now.
    pub fn compute_hash(&self) -> Hash {
        Sha256::digest(self.canonical()).into()
    }

    /// The Merkle leaf of this entry: its content with its link.
    pub fn leaf(&self) -> Hash {
        super::merkle::leaf_hash(&self.canonical())
    }
}

/// What is wrong at a place in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// The entry's content no longer gives its stored hash.
    Changed { seq: u64 },
    /// Entries are missing before this one.
    Missing { from: u64, to: u64 },
    /// The entry stands out of sequence order.
    Reordered { seq: u64, after: u64 },
    /// The entry does not link to the one before it: it was inserted or forged.
    Inserted { seq: u64 },
    /// The log ends before an entry a signed checkpoint covers.
    Truncated { have: u64, checkpoint_size: u64 },
}

impl Fault {
    pub fn describe_zh(&self) -> String {
        match self {
            Self::Changed { seq } => format!("第 {seq} 条记录的内容被改动（哈希不符）"),
            Self::Missing { from, to } => format!("第 {from}–{to} 条记录缺失（被删除）"),
            Self::Reordered { seq, after } => {
                format!("第 {seq} 条记录出现在第 {after} 条之后（顺序被调换）")
            }
            Self::Inserted { seq } => format!("第 {seq} 条记录与前一条不相连（被插入或伪造）"),
            Self::Truncated {
                have,
                checkpoint_size,
            } => {
                format!(
                    "日志只有 {have} 条，但已签名的检查点覆盖 {checkpoint_size} 条（尾部被截断）"
                )
            }
        }
    }
}

/// Walks entries in stored order and reports the first fault, if any.
///
/// Streaming: call [`ChainVerifier::push`] for each entry, then [`ChainVerifier::finish`].
/// A jump in sequence numbers is judged one entry later: if the skipped entry comes next,
/// the two were swapped; otherwise entries are missing.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    last: Option<(u64, Hash)>,
    /// A jump seen at the previous entry: (first missing seq, seq that came instead).
    jump: Option<(u64, u64)>,
    pub count: u64,
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), Fault> {
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
        if e.compute_hash() != e.hash {
            return Err(Fault::Changed { seq: e.seq });
        }
        let (want_seq, want_prev) = self.last.map_or((1, GENESIS), |(s, h)| (s + 1, h));
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
        if e.prev_hash != want_prev {
            return Err(Fault::Inserted { seq: e.seq });
        }
        self.last = Some((e.seq, e.hash));
        self.count += 1;
        Ok(())
    }

    /// The entries seen, checked against the largest size a signed checkpoint vouches for.
    pub fn finish(&self, checkpoint_size: u64) -> Result<u64, Fault> {
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

    fn log(n: u64) -> Vec<AuditEntry> {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let mut v: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let e = AuditEntry::next(
                v.last(),
                t,
                "u1",
                "work_order.note",
                &format!("work_order:{i}"),
                json!({"text": "进展", "i": i}),
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
        v[4].payload = json!({"text": "改过", "i": 4});
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
            v[4].at,
            "intruder",
            "user.grant_role",
            "user:x",
            json!({}),
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
}
