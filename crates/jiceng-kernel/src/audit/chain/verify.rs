//! Verification of the chain: walking the entries in order, naming the first fault, and
//! checking signed checkpoints against what was walked.

use super::stored::OwnedStored;
use super::{AuditEntry, GENESIS, StoredEntry};
use crate::audit::Hash;
use serde::Serialize;

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
    /// The closed log does not end at the genesis of the chains (its last entry, `seq`, is
    /// not the entry every chain links to): it was extended or cut after it was closed.
    Genesis { seq: u64 },
    /// The latest province-wide checkpoint holds a head of this chain (of `checkpoint_size`
    /// entries) that the chain's own signed checkpoints do not give: the chain was rewritten
    /// or dropped, or the province checkpoint is forged.
    NotInProvince { checkpoint_size: u64 },
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
            Self::Genesis { seq } => {
                format!("已封存日志的末条记录（第 {seq} 条）不是各审计链的起点：封存后被续写或截断")
            }
            Self::NotInProvince { checkpoint_size } => format!(
                "全省检查点中该链的头部（{checkpoint_size} 条）与该链已签名的检查点不符：该链被改写或删除"
            ),
        }
    }

    /// The first entry the fault concerns.
    pub fn seq(&self) -> u64 {
        match *self {
            Self::Changed { seq } | Self::Reordered { seq, .. } | Self::Inserted { seq } => seq,
            Self::Missing { from, .. } | Self::Rewritten { from, .. } => from,
            Self::Truncated { have, .. } => have + 1,
            Self::BadSignature { checkpoint_size } | Self::NotInProvince { checkpoint_size } => {
                checkpoint_size
            }
            Self::Genesis { seq } => seq,
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
    frontier: crate::audit::frontier::Frontier,
    pub count: u64,
    buf: Vec<u8>,
}

impl ChainVerifier {
    /// Starts a chain whose first entry links to `genesis`.
    pub fn from_genesis(genesis: Hash) -> Self {
        Self::resume(
            Some((0, genesis)),
            crate::audit::frontier::Frontier::default(),
        )
    }

    /// Continues after a verified prefix: its last entry (number, hash) and its frontier.
    pub fn resume(last: Option<(u64, Hash)>, frontier: crate::audit::frontier::Frontier) -> Self {
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

    pub fn frontier(&self) -> &crate::audit::frontier::Frontier {
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
        cp: &crate::audit::checkpoint::Checkpoint,
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
