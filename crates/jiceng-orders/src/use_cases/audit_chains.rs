//! Signed checkpoints of the chains and of the province, and the verification of every chain.
//!
//! Each chain (a county's, the system's, and the closed log of the time before chains) is
//! checkpointed on its own; a province-wide checkpoint then signs a Merkle tree over the
//! chains' latest checkpoints. Verification walks each chain from its genesis, checks its
//! checkpoints and the witness's, and proves its head in the latest province checkpoint. A
//! fault in one chain is reported with the chain and the entry, and the other chains are
//! still walked.

use super::Orders;
use super::audit::audit_not_found;
use ed25519_dalek::{SigningKey, VerifyingKey};
use jiceng_kernel::audit::chain::{Chain, ChainVerifier, Fault, GENESIS};
use jiceng_kernel::audit::checkpoint::{Checkpoint, StoredCheckpoint};
use jiceng_kernel::audit::province::{ChainHead, HeadProof, ProvinceCheckpoint};
use jiceng_kernel::error::{Error, Result};
use std::ops::ControlFlow;

fn no_key() -> Error {
    Error::internal("服务器没有审计签名密钥，无法签发检查点")
}

/// The outcome of walking one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainVerification {
    pub chain: Chain,
    pub entries: u64,
    pub checkpoints: usize,
    /// The chain's head in the latest province checkpoint, proven (`None`: the chain is not in
    /// it yet, or there is no province checkpoint).
    pub in_province: Option<HeadProof>,
    pub fault: Option<Fault>,
}

/// The outcome of walking the chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub chains: Vec<ChainVerification>,
    pub witnessed: usize,
    /// The latest province checkpoint verifies with the key (`None`: there is none).
    pub province: Option<bool>,
}

impl Verification {
    pub fn entries(&self) -> u64 {
        self.chains.iter().map(|c| c.entries).sum()
    }

    pub fn checkpoints(&self) -> usize {
        self.chains.iter().map(|c| c.checkpoints).sum()
    }

    /// The chains that fail, with their faults.
    pub fn faults(&self) -> Vec<(Chain, &Fault)> {
        self.chains
            .iter()
            .filter_map(|c| c.fault.as_ref().map(|f| (c.chain, f)))
            .collect()
    }

    pub fn ok(&self) -> bool {
        self.province != Some(false) && self.chains.iter().all(|c| c.fault.is_none())
    }
}

impl Orders {
    /// The hash a chain's first entry links to.
    async fn genesis_of(&self, chain: Chain) -> Result<jiceng_kernel::audit::Hash> {
        Ok(match chain {
            Chain::Closed => GENESIS,
            _ => self.store.audit_genesis().await?,
        })
    }

    /// Signs a checkpoint over a chain as it is now, after checking the entries added since
    /// the last one. `None` when nothing was added. Refuses to sign a chain that fails.
    #[tracing::instrument(name = "audit.make_checkpoint", skip_all, fields(chain = %chain))]
    pub async fn make_checkpoint(&self, chain: Chain) -> Result<Option<StoredCheckpoint>> {
        let size = self.store.audit_size(chain).await?;
        let latest = self.store.latest_checkpoint(chain).await?;
        self.make_checkpoint_at(chain, size, latest.as_ref()).await
    }

    /// [`Orders::make_checkpoint`] over the first `size` entries, continuing from `latest`,
    /// the chain's latest checkpoint on record (both read by the caller just before).
    #[tracing::instrument(name = "audit.make_checkpoint_at", skip_all, fields(chain = %chain))]
    pub async fn make_checkpoint_at(
        &self,
        chain: Chain,
        size: u64,
        latest: Option<&StoredCheckpoint>,
    ) -> Result<Option<StoredCheckpoint>> {
        let key: &SigningKey = self.audit_key.as_deref().ok_or_else(no_key)?;
        let mut v = match latest {
            Some(c) => {
                ChainVerifier::resume(Some((c.checkpoint.size, c.last_hash)), c.frontier.clone())
            }
            None => ChainVerifier::from_genesis(self.genesis_of(chain).await?),
        };
        if size <= v.count {
            return Ok(None);
        }
        let mut fault = None;
        self.store
            .audit_scan(chain, v.count, &mut |e| {
                if e.seq > size {
                    return ControlFlow::Break(());
                }
                match v.push_stored(e) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(f) => {
                        fault = Some(f);
                        ControlFlow::Break(())
                    }
                }
            })
            .await?;
        if let Some(f) = fault.or_else(|| v.finish(size).err()) {
            tracing::error!(chain = %chain, fault = %f.describe_zh(), "audit chain fails verification; no checkpoint signed");
            return Err(Error::internal(format!(
                "{}验证失败，未签发检查点：{}",
                chain.describe_zh(),
                f.describe_zh()
            )));
        }
        let (_, last_hash) = v.last().ok_or_else(audit_not_found)?;
        let cp = StoredCheckpoint {
            checkpoint: Checkpoint::sign(key, chain, size, &v.root(), self.clock.now()),
            key_id: hex::encode(key.verifying_key().as_bytes()),
            last_hash,
            frontier: v.frontier().clone(),
        };
        if self.store.insert_checkpoint(&cp).await? {
            return Ok(Some(cp));
        }
        // Another process signed this size first: theirs is the one on record.
        self.store.latest_checkpoint(chain).await
    }

    /// Signs a checkpoint of every chain with new entries (the closed log's final one
    /// included), then a province checkpoint over the chains' latest checkpoints when any
    /// changed or there is none yet. Returns the chains' new checkpoints.
    #[tracing::instrument(name = "audit.make_checkpoints", skip_all)]
    pub async fn make_checkpoints(&self) -> Result<Vec<StoredCheckpoint>> {
        let mut made = Vec::new();
        for (chain, size) in self.store.audit_chains().await? {
            let latest = self.store.latest_checkpoint(chain).await?;
            if let Some(cp) = self
                .make_checkpoint_at(chain, size, latest.as_ref())
                .await?
            {
                made.push(cp);
            }
        }
        let province = self.store.latest_province_checkpoint().await?;
        if !made.is_empty() || province.is_none() {
            self.make_province_checkpoint().await?;
        }
        Ok(made)
    }

    /// Signs the tree over every chain's latest checkpoint. `None` when no chain has one.
    #[tracing::instrument(name = "audit.make_province_checkpoint", skip_all)]
    pub async fn make_province_checkpoint(&self) -> Result<Option<ProvinceCheckpoint>> {
        let key: &SigningKey = self.audit_key.as_deref().ok_or_else(no_key)?;
        let mut heads = Vec::new();
        for (chain, _) in self.store.audit_chains().await? {
            if let Some(c) = self.store.latest_checkpoint(chain).await? {
                heads.push(ChainHead::of(&c.checkpoint));
            }
        }
        if heads.is_empty() {
            return Ok(None);
        }
        let p = ProvinceCheckpoint::sign(key, heads, self.clock.now());
        self.store
            .insert_province_checkpoint(&p, &hex::encode(key.verifying_key().as_bytes()))
            .await?;
        Ok(Some(p))
    }
}

/// Walks every chain (or only `only`): each entry's hash and link from the chain's genesis,
/// each stored checkpoint's signature and root, each checkpoint a witness kept, and the
/// chain's head in the latest province checkpoint. A chain stops at its first fault; the
/// others are still walked.
pub async fn verify_log(
    store: &dyn crate::ports::OrdersStore,
    key: &VerifyingKey,
    witness: &[Checkpoint],
    only: Option<Chain>,
) -> Result<Verification> {
    let province = store.latest_province_checkpoint().await?;
    let province_ok = province.as_ref().map(|p| p.verify(key));
    // One chain asked for: its head alone (the larger of its head row and its latest
    // checkpoint, as the list of chains gives it), without listing every county's.
    let mut chains: Vec<(Chain, u64)> = match only {
        Some(c) => {
            let head = store.audit_size(c).await?;
            let signed = store
                .latest_checkpoint(c)
                .await?
                .map_or(0, |cp| cp.checkpoint.size);
            vec![(c, head.max(signed))]
        }
        None => store.audit_chains().await?,
    };
    // A chain the province tree or a witness names is walked even if nothing of it is left.
    let named = province
        .iter()
        .flat_map(|p| p.chains.iter().map(|h| h.chain))
        .chain(witness.iter().map(|c| c.chain));
    for chain in named {
        if !chains.iter().any(|(c, _)| *c == chain) {
            chains.push((chain, 0));
        }
    }
    chains.sort_by_key(|(c, _)| *c);
    if let Some(c) = only {
        chains.retain(|(chain, _)| *chain == c);
        if chains.is_empty() {
            chains.push((c, 0));
        }
    }
    let genesis = store.audit_genesis().await?;
    let mut out = Vec::with_capacity(chains.len());
    for (chain, head) in chains {
        let witnessed: Vec<Checkpoint> = witness
            .iter()
            .filter(|c| c.chain == chain)
            .cloned()
            .collect();
        let mut r = verify_chain(store, key, chain, head, genesis, &witnessed).await?;
        if let Some(p) = province.as_ref().filter(|_| province_ok == Some(true))
            && r.fault.is_none()
        {
            check_province(store, chain, p, &mut r).await?;
        }
        out.push(r);
    }
    Ok(Verification {
        chains: out,
        witnessed: witness.len(),
        province: province_ok,
    })
}

/// Proves the chain's head in the province tree `p` (signature checked), and that the head
/// is one of the chain's own signed checkpoints.
async fn check_province(
    store: &dyn crate::ports::OrdersStore,
    chain: Chain,
    p: &ProvinceCheckpoint,
    r: &mut ChainVerification,
) -> Result<()> {
    let Some(proof) = p.prove(chain) else {
        return Ok(());
    };
    let root = p.root_hash().unwrap_or_default();
    let ours = store
        .checkpoints(chain)
        .await?
        .into_iter()
        .any(|c| ChainHead::of(&c.checkpoint) == proof.head);
    if proof.verify(&root) && ours && proof.head.size <= r.entries {
        r.in_province = Some(proof);
    } else {
        r.fault = Some(Fault::NotInProvince {
            checkpoint_size: proof.head.size,
        });
    }
    Ok(())
}

/// Walks one chain of `head` entries from its genesis.
async fn verify_chain(
    store: &dyn crate::ports::OrdersStore,
    key: &VerifyingKey,
    chain: Chain,
    head: u64,
    genesis: jiceng_kernel::audit::Hash,
    witness: &[Checkpoint],
) -> Result<ChainVerification> {
    let mut checks: Vec<Checkpoint> = store
        .checkpoints(chain)
        .await?
        .into_iter()
        .map(|c| c.checkpoint)
        .collect();
    let stored = checks.len();
    checks.extend(witness.iter().cloned());
    checks.sort_by_key(|c| c.size);
    let largest = checks.last().map_or(0, |c| c.size);
    let mut report = ChainVerification {
        chain,
        entries: 0,
        checkpoints: stored,
        in_province: None,
        fault: None,
    };
    let mut v = if chain == Chain::Closed {
        ChainVerifier::default()
    } else {
        ChainVerifier::from_genesis(genesis)
    };
    let mut next = 0usize;
    let mut prev_size = 0u64;
    let fail = |f: Fault, v: &ChainVerifier| {
        let mut r = report.clone();
        r.entries = v.count;
        r.fault = Some(f);
        r
    };
    // A checkpoint of size 0 covers nothing: check its signature only.
    while next < checks.len() && checks[next].size == 0 {
        if let Err(f) = v.check_checkpoint(&checks[next], key, 0) {
            return Ok(fail(f, &v));
        }
        next += 1;
    }
    let mut fault = None;
    store
        .audit_scan(chain, 0, &mut |e| {
            let checked = v.push_stored(e).and_then(|()| {
                while next < checks.len() && checks[next].size == v.count {
                    let cp = &checks[next];
                    v.check_checkpoint(cp, key, prev_size)?;
                    prev_size = cp.size;
                    next += 1;
                }
                Ok(())
            });
            match checked {
                Ok(()) => ControlFlow::Continue(()),
                Err(f) => {
                    fault = Some(f);
                    ControlFlow::Break(())
                }
            }
        })
        .await?;
    if let Some(f) = fault {
        return Ok(fail(f, &v));
    }
    if let Err(f) = v.finish(largest.max(head)) {
        return Ok(fail(f, &v));
    }
    if let Some(cp) = checks.get(next) {
        // A checkpoint whose size was never reached exactly: the chain was cut short.
        return Ok(fail(
            Fault::Truncated {
                have: v.count,
                checkpoint_size: cp.size,
            },
            &v,
        ));
    }
    // The closed log ends at the entry every chain starts from.
    if chain == Chain::Closed && v.last().map_or(GENESIS, |(_, h)| h) != genesis {
        return Ok(fail(Fault::Genesis { seq: v.count }, &v));
    }
    report.entries = v.count;
    Ok(report)
}
