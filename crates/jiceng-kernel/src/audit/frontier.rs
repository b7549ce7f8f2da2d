//! The right edge of a growing Merkle tree: the roots of its complete subtrees, largest
//! first. Appending a leaf and taking the root cost O(log n), so checkpoints and the
//! verifier follow the log without holding every leaf.

use super::Hash;
use super::merkle::{empty_root, node_hash};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<Hash>,
}

impl Frontier {
    /// Rebuilds a frontier saved with [`Frontier::nodes`]; `None` if the count of nodes does
    /// not fit the size (one node per set bit).
    pub fn from_parts(size: u64, nodes: Vec<Hash>) -> Option<Self> {
        (size.count_ones() as usize == nodes.len()).then_some(Self { size, nodes })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn nodes(&self) -> &[Hash] {
        &self.nodes
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        let mut s = self.size;
        while s & 1 == 1 {
            match self.nodes.pop() {
                Some(left) => h = node_hash(&left, &h),
                None => break,
            }
            s >>= 1;
        }
        self.nodes.push(h);
        self.size += 1;
    }

    /// The Merkle tree hash of the leaves pushed so far (RFC 9162 MTH).
    pub fn root(&self) -> Hash {
        let mut it = self.nodes.iter().rev();
        let Some(last) = it.next() else {
            return empty_root();
        };
        it.fold(*last, |acc, left| node_hash(left, &acc))
    }

    /// Hex encoding of the nodes, for storage beside a checkpoint.
    pub fn to_hex(&self) -> String {
        self.nodes
            .iter()
            .map(hex::encode)
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn from_hex(size: u64, text: &str) -> Option<Self> {
        let nodes: Option<Vec<Hash>> = text
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|h| hex::decode(h).ok()?.try_into().ok())
            .collect();
        Self::from_parts(size, nodes?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::merkle::{leaf_hash, root};

    #[test]
    fn matches_the_tree_hash_at_every_size() {
        let leaves: Vec<Hash> = (0u32..300).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut f = Frontier::default();
        assert_eq!(f.root(), root(&[]));
        for (i, l) in leaves.iter().enumerate() {
            f.push(*l);
            assert_eq!(f.root(), root(&leaves[..=i]), "size {}", i + 1);
            let back = Frontier::from_hex(f.size(), &f.to_hex());
            assert_eq!(back.as_ref(), Some(&f));
        }
        assert!(Frontier::from_hex(3, "00").is_none());
        assert!(Frontier::from_parts(3, vec![[0; 32]]).is_none());
    }
}
