//! Evidence bundles: all log entries about one object, each with its inclusion proof in a
//! signed checkpoint, in one JSON file that verifies offline with the public key alone.

use super::chain::AuditEntry;
use super::checkpoint::Checkpoint;
use super::merkle::verify_inclusion;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenEntry {
    pub entry: AuditEntry,
    /// Audit path from the entry's leaf to the checkpoint's root, hex hashes.
    pub proof: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    /// What the bundle is about, e.g. `work_order:<id>` and its number.
    pub object: String,
    pub title: String,
    /// The entries in the chain `checkpoint` signs.
    pub entries: Vec<ProvenEntry>,
    pub checkpoint: Checkpoint,
    /// The object's entries written before there were chains, proven in the closed log's
    /// checkpoint; absent when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<BundlePart>,
}

/// Entries proven in one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundlePart {
    pub entries: Vec<ProvenEntry>,
    pub checkpoint: Checkpoint,
}

pub const BUNDLE_FORMAT: &str = "jiceng-evidence/v1";

/// Why a bundle does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("未知的证据包格式：{0}")]
    Format(String),
    #[error("检查点签名无效：证据包不是由该公钥对应的服务器签发，或检查点被改动")]
    Signature,
    #[error("第 {seq} 条记录的内容与其哈希不符：记录被改动")]
    EntryChanged { seq: u64 },
    #[error("第 {seq} 条记录不在签名的检查点中（包含证明不成立）：记录被改动或伪造")]
    NotIncluded { seq: u64 },
    #[error("第 {seq} 条记录不属于 {object}")]
    WrongObject { seq: u64, object: String },
}

impl Bundle {
    /// Checks the signatures, every entry's hash, and every inclusion proof.
    pub fn verify(&self, key: &VerifyingKey) -> Result<usize, BundleError> {
        if self.format != BUNDLE_FORMAT {
            return Err(BundleError::Format(self.format.clone()));
        }
        let earlier = match &self.closed {
            Some(part) if part.checkpoint.chain == crate::audit::chain::Chain::Closed => {
                self.verify_part(key, &part.entries, &part.checkpoint)?
            }
            Some(_) => return Err(BundleError::Signature),
            None => 0,
        };
        Ok(earlier + self.verify_part(key, &self.entries, &self.checkpoint)?)
    }

    fn verify_part(
        &self,
        key: &VerifyingKey,
        entries: &[ProvenEntry],
        checkpoint: &Checkpoint,
    ) -> Result<usize, BundleError> {
        if !checkpoint.verify(key) {
            return Err(BundleError::Signature);
        }
        let root = checkpoint.root_hash().ok_or(BundleError::Signature)?;
        for p in entries {
            let e = &p.entry;
            if e.compute_hash() != e.hash {
                return Err(BundleError::EntryChanged { seq: e.seq });
            }
            if e.object != self.object {
                return Err(BundleError::WrongObject {
                    seq: e.seq,
                    object: self.object.clone(),
                });
            }
            let proof: Option<Vec<[u8; 32]>> = p
                .proof
                .iter()
                .map(|h| hex::decode(h).ok().and_then(|b| b.try_into().ok()))
                .collect();
            let ok = proof.is_some_and(|proof| {
                e.seq >= 1
                    && verify_inclusion(
                        (e.seq - 1) as usize,
                        checkpoint.size as usize,
                        &e.leaf(),
                        &proof,
                        &root,
                    )
            });
            if !ok {
                return Err(BundleError::NotIncluded { seq: e.seq });
            }
        }
        Ok(entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::merkle::{inclusion_proof, root};
    use chrono::DateTime;
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    fn bundle() -> (Bundle, VerifyingKey) {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let mut log: Vec<AuditEntry> = Vec::new();
        for i in 0..9 {
            let object = if i % 3 == 0 {
                "work_order:A"
            } else {
                "work_order:B"
            };
            log.push(AuditEntry::next(
                log.last(),
                &crate::audit::chain::AuditRecord::new(
                    crate::audit::chain::Chain::System,
                    at,
                    "u",
                    "work_order.note",
                    object,
                    json!({"i": i, "text": "进展"}),
                ),
            ));
        }
        let leaves: Vec<[u8; 32]> = log.iter().map(AuditEntry::leaf).collect();
        let key = SigningKey::from_bytes(&[3u8; 32]);
        let cp = Checkpoint::sign(
            &key,
            crate::audit::chain::Chain::System,
            9,
            &root(&leaves),
            at,
        );
        let entries = log
            .iter()
            .filter(|e| e.object == "work_order:A")
            .map(|e| ProvenEntry {
                entry: e.clone(),
                proof: inclusion_proof((e.seq - 1) as usize, &leaves)
                    .unwrap_or_default()
                    .iter()
                    .map(hex::encode)
                    .collect(),
            })
            .collect();
        (
            Bundle {
                format: BUNDLE_FORMAT.into(),
                object: "work_order:A".into(),
                title: "JC1".into(),
                entries,
                checkpoint: cp,
                closed: None,
            },
            key.verifying_key(),
        )
    }

    #[test]
    fn a_bundle_verifies_and_one_changed_character_fails() {
        let (b, vk) = bundle();
        assert_eq!(b.verify(&vk), Ok(3));
        let json = serde_json::to_string(&b).unwrap_or_default();
        let tampered: Bundle =
            serde_json::from_str(&json.replacen("进展", "进屏", 1)).unwrap_or_else(|_| b.clone());
        assert_eq!(
            tampered.verify(&vk),
            Err(BundleError::EntryChanged { seq: 1 })
        );

        // Rehashing the changed entry does not help: it is no longer in the signed tree.
        let mut rehashed = b.clone();
        rehashed.entries[1].entry.payload =
            crate::audit::chain::Payload::from_value(&json!({"i": 3, "text": "改"}));
        rehashed.entries[1].entry.hash = rehashed.entries[1].entry.compute_hash();
        assert_eq!(
            rehashed.verify(&vk),
            Err(BundleError::NotIncluded { seq: 4 })
        );

        let mut resigned = b.clone();
        resigned.checkpoint.size = 8;
        assert_eq!(resigned.verify(&vk), Err(BundleError::Signature));
        let other = SigningKey::from_bytes(&[4u8; 32]).verifying_key();
        assert_eq!(b.verify(&other), Err(BundleError::Signature));
    }

    /// `n` entries of `chain` after `prev`, every third about the order, and those proven in
    /// a checkpoint of the chain over all `n`.
    fn part(
        key: &SigningKey,
        chain: crate::audit::chain::Chain,
        prev: Option<(u64, crate::audit::Hash)>,
        n: usize,
    ) -> (BundlePart, crate::audit::Hash) {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let mut log: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let link = log.last().map(|e| (e.seq, e.hash)).or(prev);
            let object = if i % 3 == 0 { "work_order:A" } else { "x" };
            let r = crate::audit::chain::AuditRecord::new(
                chain,
                at,
                "u",
                "work_order.note",
                object,
                json!({"i": i}),
            );
            log.push(AuditEntry::after(link, &r));
        }
        let leaves: Vec<[u8; 32]> = log.iter().map(AuditEntry::leaf).collect();
        let cp = Checkpoint::sign(key, chain, n as u64, &root(&leaves), at);
        let entries = log
            .iter()
            .filter(|e| e.object == "work_order:A")
            .map(|e| ProvenEntry {
                entry: e.clone(),
                proof: inclusion_proof((e.seq - 1) as usize, &leaves)
                    .unwrap_or_default()
                    .iter()
                    .map(hex::encode)
                    .collect(),
            })
            .collect();
        let last = log.last().map(|e| e.hash).unwrap_or_default();
        (
            BundlePart {
                entries,
                checkpoint: cp,
            },
            last,
        )
    }

    #[test]
    fn entries_before_the_chains_are_proven_in_the_closed_log() {
        use crate::audit::chain::Chain;
        let key = SigningKey::from_bytes(&[3u8; 32]);
        let vk = key.verifying_key();
        let (closed, genesis) = part(&key, Chain::Closed, None, 7);
        let county = Chain::County(crate::ids::CountyId(uuid::Uuid::from_u128(5)));
        let (chain, _) = part(&key, county, Some((0, genesis)), 5);
        assert_eq!(chain.entries[0].entry.prev_hash, genesis);
        let b = Bundle {
            format: BUNDLE_FORMAT.into(),
            object: "work_order:A".into(),
            title: "JC1".into(),
            entries: chain.entries.clone(),
            checkpoint: chain.checkpoint.clone(),
            closed: Some(closed.clone()),
        };
        assert_eq!(b.verify(&vk), Ok(3 + 2));
        let json = serde_json::to_string(&b).unwrap_or_default();
        let back: Bundle = serde_json::from_str(&json).unwrap_or_else(|_| b.clone());
        assert_eq!(back, b);
        // The closed part must be proven in the closed log's checkpoint, not a chain's.
        let mut swapped = b.clone();
        swapped.closed = Some(chain.clone());
        assert_eq!(swapped.verify(&vk), Err(BundleError::Signature));
        // A chain's checkpoint passed off as another chain's does not verify.
        let mut moved = b.clone();
        moved.checkpoint.chain = Chain::System;
        assert_eq!(moved.verify(&vk), Err(BundleError::Signature));
        // An entry changed in the closed part is named.
        let mut changed = b.clone();
        if let Some(c) = changed.closed.as_mut() {
            c.entries[1].entry.actor = "v".into();
        }
        assert_eq!(
            changed.verify(&vk),
            Err(BundleError::EntryChanged { seq: 4 })
        );
    }
}
