//! The province-wide checkpoint: one signed Merkle tree over every chain's latest signed
//! checkpoint. A verifier who trusts one province checkpoint (kept by a witness) can check
//! that a county's chain was not rewritten or dropped, with an inclusion proof of the
//! county's head in the tree, without reading any other county's log.

use super::Hash;
use super::chain::Chain;
use super::checkpoint::Checkpoint;
use super::merkle::{inclusion_proof, leaf_hash, root, verify_inclusion};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// A chain's head as the province tree holds it: the size and root of its latest checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub chain: Chain,
    pub size: u64,
    /// The chain checkpoint's Merkle root, hex.
    pub root: String,
}

impl ChainHead {
    pub fn of(cp: &Checkpoint) -> Self {
        Self {
            chain: cp.chain,
            size: cp.size,
            root: cp.root.clone(),
        }
    }

    /// The head's leaf in the province tree.
    pub fn leaf(&self) -> Hash {
        leaf_hash(
            format!(
                "jiceng-audit-chain-head/v1\n{}\n{}\n{}\n",
                self.chain, self.size, self.root
            )
            .as_bytes(),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvinceCheckpoint {
    /// The chains' heads, ordered by chain (the closed log, the system chain, then counties
    /// by id).
    pub chains: Vec<ChainHead>,
    /// Merkle tree head over the chains' leaves, hex.
    pub root: String,
    pub at: DateTime<Utc>,
    /// Ed25519 signature over [`ProvinceCheckpoint::message`], hex.
    pub signature: String,
}

/// An inclusion proof of one chain's head in a province checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadProof {
    pub head: ChainHead,
    /// The head's place among the tree's leaves.
    pub index: u64,
    pub tree_size: u64,
    /// Audit path, hex hashes.
    pub hashes: Vec<String>,
}

fn leaves(chains: &[ChainHead]) -> Vec<Hash> {
    chains.iter().map(ChainHead::leaf).collect()
}

impl ProvinceCheckpoint {
    pub fn message(chains: u64, root: &Hash, at: DateTime<Utc>) -> Vec<u8> {
        format!(
            "jiceng-audit-province/v1\n{chains}\n{}\n{}\n",
            hex::encode(root),
            at.timestamp_micros()
        )
        .into_bytes()
    }

    /// Signs the tree over `chains` (sorted here by chain).
    pub fn sign(key: &SigningKey, mut chains: Vec<ChainHead>, at: DateTime<Utc>) -> Self {
        chains.sort_by_key(|h| h.chain);
        let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
        let r = root(&leaves(&chains));
        let sig = key.sign(&Self::message(chains.len() as u64, &r, at));
        Self {
            chains,
            root: hex::encode(r),
            at,
            signature: hex::encode(sig.to_bytes()),
        }
    }

    pub fn root_hash(&self) -> Option<Hash> {
        hex::decode(&self.root).ok()?.try_into().ok()
    }

    /// Whether `key` signed this tree and the listed heads give its root.
    pub fn verify(&self, key: &VerifyingKey) -> bool {
        let Some(r) = self.root_hash() else {
            return false;
        };
        root(&leaves(&self.chains)) == r
            && super::checkpoint::signed_by(
                key,
                &Self::message(self.chains.len() as u64, &r, self.at),
                &self.signature,
            )
    }

    /// The head of `chain` in this tree with its audit path, if the tree holds the chain.
    pub fn prove(&self, chain: Chain) -> Option<HeadProof> {
        let index = self.chains.iter().position(|h| h.chain == chain)?;
        let hashes = inclusion_proof(index, &leaves(&self.chains))?;
        Some(HeadProof {
            head: self.chains[index].clone(),
            index: index as u64,
            tree_size: self.chains.len() as u64,
            hashes: hashes.iter().map(hex::encode).collect(),
        })
    }
}

impl HeadProof {
    /// Checks the proof against a province root (from a checkpoint whose signature was checked).
    pub fn verify(&self, province_root: &Hash) -> bool {
        let path: Option<Vec<Hash>> = self
            .hashes
            .iter()
            .map(|h| hex::decode(h).ok().and_then(|b| b.try_into().ok()))
            .collect();
        path.is_some_and(|p| {
            verify_inclusion(
                self.index as usize,
                self.tree_size as usize,
                &self.head.leaf(),
                &p,
                province_root,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CountyId;

    fn head(chain: Chain, size: u64) -> ChainHead {
        ChainHead {
            chain,
            size,
            root: hex::encode([size as u8; 32]),
        }
    }

    #[test]
    fn each_head_is_proven_and_a_changed_head_is_not() {
        let key = SigningKey::from_bytes(&[5u8; 32]);
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let county = |n: u128| Chain::County(CountyId(uuid::Uuid::from_u128(n)));
        let heads = vec![
            head(county(9), 3),
            head(Chain::System, 4),
            head(county(2), 7),
            head(Chain::Closed, 10),
            head(county(5), 1),
        ];
        let p = ProvinceCheckpoint::sign(&key, heads, at);
        assert!(p.verify(&key.verifying_key()));
        assert_eq!(p.chains[0].chain, Chain::Closed);
        assert_eq!(p.chains[2].chain, county(2));
        let r = p.root_hash().unwrap_or_default();
        for h in &p.chains {
            let proof = p.prove(h.chain).unwrap();
            assert!(proof.verify(&r), "{}", h.chain);
            let mut changed = proof.clone();
            changed.head.size += 1;
            assert!(!changed.verify(&r));
        }
        assert!(p.prove(county(3)).is_none());
        let mut forged = p.clone();
        forged.chains[1].size = 5;
        assert!(!forged.verify(&key.verifying_key()));
        let stranger = SigningKey::from_bytes(&[6u8; 32]).verifying_key();
        assert!(!p.verify(&stranger));
    }
}
