//! Signed tree heads: every so often the server signs the Merkle root of the log so far.
//! Exported to a witness outside the database, they make even a rewrite of the whole
//! database detectable.

use super::Hash;
use super::chain::Chain;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The chain the checkpoint signs; absent in checkpoints of the closed log, signed
    /// before there were chains.
    #[serde(default = "closed", skip_serializing_if = "is_closed")]
    pub chain: Chain,
    /// How many entries the tree covers.
    pub size: u64,
    /// Merkle tree head over entries 1..=size, hex.
    pub root: String,
    pub at: DateTime<Utc>,
    /// Ed25519 signature over [`Checkpoint::message`], hex.
    pub signature: String,
}

fn closed() -> Chain {
    Chain::Closed
}

fn is_closed(c: &Chain) -> bool {
    *c == Chain::Closed
}

impl Checkpoint {
    /// The signed bytes: a versioned, line-based text so that other tools can check it. A
    /// chain's checkpoint names its chain (v2), so that it cannot pass for another chain's;
    /// the closed log's keep the text they were signed with (v1).
    pub fn message(chain: Chain, size: u64, root: &Hash, at: DateTime<Utc>) -> Vec<u8> {
        let (root, at) = (hex::encode(root), at.timestamp_micros());
        match chain {
            Chain::Closed => format!("jiceng-audit-checkpoint/v1\n{size}\n{root}\n{at}\n"),
            _ => format!("jiceng-audit-checkpoint/v2\n{chain}\n{size}\n{root}\n{at}\n"),
        }
        .into_bytes()
    }

    pub fn sign(key: &SigningKey, chain: Chain, size: u64, root: &Hash, at: DateTime<Utc>) -> Self {
        // The signed text carries microseconds; keep no more precision than is signed.
        let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
        let sig = key.sign(&Self::message(chain, size, root, at));
        Self {
            chain,
            size,
            root: hex::encode(root),
            at,
            signature: hex::encode(sig.to_bytes()),
        }
    }

    /// The root, if well-formed.
    pub fn root_hash(&self) -> Option<Hash> {
        hex::decode(&self.root).ok()?.try_into().ok()
    }

    /// Whether `key` signed exactly this checkpoint.
    pub fn verify(&self, key: &VerifyingKey) -> bool {
        let Some(root) = self.root_hash() else {
            return false;
        };
        signed_by(
            key,
            &Self::message(self.chain, self.size, &root, self.at),
            &self.signature,
        )
    }
}

/// Whether `signature` (hex) is `key`'s signature of `message`; false for one that is not
/// 64 bytes of hex.
pub(crate) fn signed_by(key: &VerifyingKey, message: &[u8], signature: &str) -> bool {
    let Some(sig) = hex::decode(signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
    else {
        return false;
    };
    key.verify(message, &Signature::from_bytes(&sig)).is_ok()
}

/// A public key from its hex form (as published at `/api/v1/audit/public-key`).
pub fn parse_public_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_size_root_and_time() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let vk = key.verifying_key();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let cp = Checkpoint::sign(&key, Chain::System, 42, &[1u8; 32], at);
        assert!(cp.verify(&vk));
        let mut other = cp.clone();
        other.chain = Chain::County(crate::ids::CountyId(uuid::Uuid::from_u128(1)));
        assert!(
            !other.verify(&vk),
            "a chain's checkpoint does not pass for another's"
        );
        other.chain = Chain::Closed;
        assert!(!other.verify(&vk));
        assert_eq!(parse_public_key(&hex::encode(vk.to_bytes())), Some(vk));
        let mut other = cp.clone();
        other.size = 41;
        assert!(!other.verify(&vk));
        let mut other = cp.clone();
        other.root = hex::encode([2u8; 32]);
        assert!(!other.verify(&vk));
        let stranger = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        assert!(!cp.verify(&stranger));
        assert!(parse_public_key("not hex").is_none());
    }
}

/// A checkpoint as stored: with the key that signed it and what the next checkpoint needs
/// to continue (the last entry's hash and the tree's frontier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub checkpoint: Checkpoint,
    /// The signer's public key, hex.
    pub key_id: String,
    pub last_hash: Hash,
    pub frontier: super::frontier::Frontier,
}
