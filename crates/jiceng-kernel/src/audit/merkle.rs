//! RFC 9162 §2.1 Merkle tree hashing and proofs.
//!
//! Leaves are hashed as `SHA-256(0x00 || entry)`, interior nodes as `SHA-256(0x01 || left || right)`;
//! a tree of `n` leaves splits at the largest power of two below `n`.

use super::Hash;
use sha2::{Digest, Sha256};

pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hash of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The Merkle tree hash of leaf hashes `leaves` (MTH of RFC 9162 §2.1.1).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index` in the tree of `leaves` (RFC 9162 §2.1.3.1), or `None`
/// when the index is outside the tree.
pub fn inclusion_proof(index: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut out = Vec::new();
    path(index, leaves, &mut out);
    Some(out)
}

fn path(m: usize, d: &[Hash], out: &mut Vec<Hash>) {
    let n = d.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, &d[..k], out);
        out.push(root(&d[k..]));
    } else {
        path(m - k, &d[k..], out);
        out.push(root(&d[..k]));
    }
}

/// Checks that `leaf` is entry `index` of the tree of `size` leaves whose head is `root_hash`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: usize,
    size: usize,
    leaf: &Hash,
    proof: &[Hash],
    root_hash: &Hash,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && &r == root_hash
}

/// The consistency proof between the first `m` leaves and all of `leaves`
/// (RFC 9162 §2.1.4.1), or `None` unless `0 < m <= leaves.len()`.
pub fn consistency_proof(m: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    if m == 0 || m > leaves.len() {
        return None;
    }
    let mut out = Vec::new();
    subproof(m, leaves, true, &mut out);
    Some(out)
}

fn subproof(m: usize, d: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = d.len();
    if m == n {
        if !complete {
            out.push(root(d));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &d[..k], complete, out);
        out.push(root(&d[k..]));
    } else {
        subproof(m - k, &d[k..], false, out);
        out.push(root(&d[..k]));
    }
}

/// Checks that the tree of `size1` leaves with head `root1` is a prefix of the tree of
/// `size2` leaves with head `root2` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    size1: usize,
    size2: usize,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> bool {
    if size1 == 0 || size1 > size2 {
        return false;
    }
    if size1 == size2 {
        return proof.is_empty() && root1 == root2;
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if size1.is_power_of_two() {
        path.insert(0, *root1);
    }
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f_n, mut s_n) = (size1 - 1, size2 - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (*first, *first);
    for c in rest {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    &f_r == root1 && &s_r == root2 && s_n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(h: &Hash) -> String {
        hex::encode(h)
    }

    /// The test vectors of the Go and C++ Certificate Transparency implementations: the
    /// roots of the trees over the first 1..=8 of these leaf inputs.
    const LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn leaves() -> Vec<Hash> {
        LEAVES
            .iter()
            .map(|l| leaf_hash(&hex::decode(l).unwrap()))
            .collect()
    }

    #[test]
    fn roots_match_the_reference_vectors() {
        assert_eq!(
            hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let l = leaves();
        for (n, want) in ROOTS.iter().enumerate() {
            assert_eq!(hex(&root(&l[..=n])), *want, "tree of {} leaves", n + 1);
        }
    }

    #[test]
    fn every_inclusion_and_consistency_proof_verifies_and_tampering_fails() {
        let l: Vec<Hash> = (0..37u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for n in 1..=l.len() {
            let r = root(&l[..n]);
            for i in 0..n {
                let p = inclusion_proof(i, &l[..n]).unwrap();
                assert!(
                    verify_inclusion(i, n, &l[i], &p, &r),
                    "inclusion {i} of {n}"
                );
                let other = (i + 1) % n;
                if other != i {
                    assert!(
                        !verify_inclusion(i, n, &l[other], &p, &r),
                        "wrong leaf {other} at {i} of {n}"
                    );
                }
            }
            for m in 1..=n {
                let p = consistency_proof(m, &l[..n]).unwrap();
                let r1 = root(&l[..m]);
                assert!(
                    verify_consistency(m, n, &r1, &r, &p),
                    "consistency {m} → {n}"
                );
                if m < n {
                    let mut forged = l[..n].to_vec();
                    forged[m - 1] = leaf_hash(b"forged");
                    assert!(
                        !verify_consistency(m, n, &r1, &root(&forged), &p),
                        "rewritten prefix {m} → {n}"
                    );
                }
            }
        }
        assert!(inclusion_proof(5, &l[..5]).is_none());
        assert!(consistency_proof(0, &l).is_none());
    }
}
