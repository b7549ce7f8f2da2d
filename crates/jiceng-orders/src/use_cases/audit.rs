//! The audit log as people use it: an order's trail in plain Chinese with its verification
//! status, evidence bundles, proofs, signed checkpoints, and the verification of the whole log.

use super::Orders;
use super::work_orders::order_not_found;
use crate::work_order::WorkOrder;
use crate::work_order::audit_records::{describe_zh, order_object};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jiceng_kernel::access::{Granted, Principal, action};
use jiceng_kernel::audit::Hash;
use jiceng_kernel::audit::bundle::{BUNDLE_FORMAT, Bundle, ProvenEntry};
use jiceng_kernel::audit::chain::{AuditEntry, ChainVerifier, Fault};
use jiceng_kernel::audit::checkpoint::{Checkpoint, StoredCheckpoint};
use jiceng_kernel::audit::merkle::{consistency_proof, inclusion_proof, verify_inclusion};
use jiceng_kernel::audit::records;
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::OrderId;
use serde::Serialize;
use std::ops::ControlFlow;

/// One step of an order's trail, as staff read it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrailEntry {
    pub seq: u64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    /// Who did what, in plain Chinese.
    pub text: String,
    pub hash: String,
    /// The entry's content gives its hash.
    pub intact: bool,
    /// The entry is proven to be in the latest signed checkpoint.
    pub in_checkpoint: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trail {
    pub entries: Vec<TrailEntry>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub checkpoint: Option<Checkpoint>,
    /// `verified` (every entry intact and in a signed checkpoint), `pending` (the newest
    /// entries await the next checkpoint) or `failed`.
    pub status: String,
    pub status_text: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InclusionProof {
    pub seq: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub hashes: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub checkpoint: Checkpoint,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsistencyProof {
    pub from_size: u64,
    pub to_size: u64,
    pub hashes: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub from: Checkpoint,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub to: Checkpoint,
}

/// The outcome of walking the whole log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: u64,
    pub checkpoints: usize,
    pub witnessed: usize,
    pub fault: Option<Fault>,
}

fn no_key() -> Error {
    Error::internal("服务器没有审计签名密钥，无法签发检查点")
}

fn audit_not_found() -> Error {
    Error::new(codes::AUDIT_NOT_FOUND, "该审计记录或检查点不存在")
}

fn hexes(v: &[Hash]) -> Vec<String> {
    v.iter().map(hex::encode).collect()
}

impl Orders {
    /// The public key that verifies this server's checkpoints, hex.
    pub fn audit_public_key(&self) -> Option<String> {
        self.audit_key
            .as_ref()
            .map(|k| hex::encode(k.verifying_key().as_bytes()))
    }

    /// Whether to show the callers' contact data of `o` in full; a read by anyone but the
    /// citizen who filed it is recorded first, and not shown if it cannot be recorded.
    #[tracing::instrument(name = "audit.reveal_contact", skip_all, fields(o_id = %o.id))]
    pub async fn reveal_contact(&self, who: &Principal, o: &WorkOrder) -> Result<bool> {
        if !self.may_see_contact(who, o) {
            return Ok(false);
        }
        if super::filed_by(who, o) {
            return Ok(true);
        }
        // Erased fields hold only the marker: showing them reveals nothing.
        let held = |v: &Option<String>| {
            v.as_deref()
                .is_some_and(|v| v != crate::work_order::erasure::ERASED)
        };
        let mut fields = Vec::new();
        if held(&o.caller_name) {
            fields.push("caller_name");
        }
        if held(&o.caller_phone) {
            fields.push("caller_phone");
        }
        if o.extra_callers
            .iter()
            .any(|c| held(&c.name) || held(&c.phone))
        {
            fields.push("extra_callers");
        }
        if !fields.is_empty() {
            let r = records::personal_data_read(
                who.user_id,
                order_object(o.id),
                &fields,
                self.clock.now(),
            );
            self.store.append_audit(&[r]).await?;
        }
        Ok(true)
    }

    /// An order's trail for staff who may read the order.
    #[tracing::instrument(name = "audit.order_trail", skip_all, fields(id = %id))]
    pub async fn order_trail(&self, who: &Principal, id: OrderId) -> Result<Trail> {
        let o = self.get_order(who, id).await?;
        let entries = self.store.audit_for_object(&order_object(o.id)).await?;
        let latest = self.store.latest_checkpoint().await?;
        let key = self.audit_key.as_ref().map(|k| k.verifying_key());
        let signed = latest
            .as_ref()
            .filter(|c| key.is_some_and(|k| c.checkpoint.verify(&k)));
        let leaves = match signed {
            Some(c) if entries.iter().any(|e| e.seq <= c.checkpoint.size) => {
                self.store.audit_leaves(c.checkpoint.size).await?
            }
            _ => Vec::new(),
        };
        let offset = jiceng_kernel::calendar::china_standard_time();
        let mut out = Vec::with_capacity(entries.len());
        for e in &entries {
            let intact = e.compute_hash() == e.hash;
            let in_checkpoint = signed.is_some_and(|c| proven(e, &c.checkpoint, &leaves));
            out.push(TrailEntry {
                seq: e.seq,
                at: e.at,
                action: e.action.clone(),
                text: describe_zh(e, offset),
                hash: hex::encode(e.hash),
                intact,
                in_checkpoint,
            });
        }
        let failed = out.iter().any(|t| !t.intact)
            || signed.is_some_and(|c| {
                out.iter()
                    .any(|t| t.seq <= c.checkpoint.size && !t.in_checkpoint)
            });
        let (status, text) = if failed {
            (
                "failed",
                "验证失败：部分记录与签名的检查点不符，请联系管理员运行 jiceng audit verify"
                    .to_owned(),
            )
        } else if out.iter().all(|t| t.in_checkpoint) {
            (
                "verified",
                format!("已验证：{} 条记录均在已签名的检查点中", out.len()),
            )
        } else {
            (
                "pending",
                "最新的记录等待下一个检查点签名（通常在几分钟内）".to_owned(),
            )
        };
        Ok(Trail {
            entries: out,
            checkpoint: signed.map(|c| c.checkpoint.clone()),
            status: status.to_owned(),
            status_text: text,
        })
    }

    /// All entries about an order with their inclusion proofs in a checkpoint signed now if
    /// the latest one does not cover them.
    #[tracing::instrument(name = "audit.evidence_bundle", skip_all, fields(id = %id))]
    pub async fn evidence_bundle(&self, who: &Principal, id: OrderId) -> Result<Bundle> {
        who.grant::<action::ReadAuditProofs>()?;
        let o = self.get_order(who, id).await?;
        let object = order_object(o.id);
        let entries = self.store.audit_for_object(&object).await?;
        let last = entries.last().map_or(0, |e| e.seq);
        let cp = match self.store.latest_checkpoint().await? {
            Some(c) if c.checkpoint.size >= last => c,
            _ => self.make_checkpoint().await?.ok_or_else(order_not_found)?,
        };
        let leaves = self.store.audit_leaves(cp.checkpoint.size).await?;
        let entries = entries
            .into_iter()
            .filter(|e| e.seq <= cp.checkpoint.size)
            .map(|e| {
                let proof = inclusion_proof((e.seq - 1) as usize, &leaves).unwrap_or_default();
                ProvenEntry {
                    entry: e,
                    proof: hexes(&proof),
                }
            })
            .collect();
        Ok(Bundle {
            format: BUNDLE_FORMAT.to_owned(),
            object,
            title: format!("工单 {} 全程记录", o.number),
            entries,
            checkpoint: cp.checkpoint,
        })
    }

    /// The audit path of entry `seq` in the checkpoint of `size` (default: the latest).
    #[tracing::instrument(name = "audit.inclusion_proof", skip_all)]
    pub async fn inclusion_proof(
        &self,
        who: &Principal,
        seq: u64,
        size: Option<u64>,
    ) -> Result<InclusionProof> {
        let granted = who.grant()?;
        let cp = self.checkpoint_of(&granted, size).await?;
        let n = cp.checkpoint.size;
        if seq == 0 || seq > n {
            return Err(audit_not_found());
        }
        let leaves = self.store.audit_leaves(n).await?;
        let hashes = inclusion_proof((seq - 1) as usize, &leaves).ok_or_else(audit_not_found)?;
        Ok(InclusionProof {
            seq,
            tree_size: n,
            leaf_hash: hex::encode(leaves[(seq - 1) as usize]),
            hashes: hexes(&hashes),
            checkpoint: cp.checkpoint,
        })
    }

    /// The proof that the checkpoint of `to` extends the one of `from` (nothing rewritten).
    #[tracing::instrument(name = "audit.consistency_proof", skip_all)]
    pub async fn consistency_proof(
        &self,
        who: &Principal,
        from: u64,
        to: u64,
    ) -> Result<ConsistencyProof> {
        let granted = who.grant()?;
        if from == 0 || from > to {
            return Err(Error::new(
                codes::AUDIT_INVALID_RANGE,
                "from 须大于 0 且不大于 to",
            ));
        }
        let a = self.checkpoint_of(&granted, Some(from)).await?;
        let b = self.checkpoint_of(&granted, Some(to)).await?;
        let leaves = self.store.audit_leaves(to).await?;
        let hashes = consistency_proof(from as usize, &leaves).ok_or_else(audit_not_found)?;
        Ok(ConsistencyProof {
            from_size: from,
            to_size: to,
            hashes: hexes(&hashes),
            from: a.checkpoint,
            to: b.checkpoint,
        })
    }

    /// The stored checkpoint of `size` (default: the latest), for a caller the table let
    /// read the proofs.
    async fn checkpoint_of(
        &self,
        _: &Granted<action::ReadAuditProofs>,
        size: Option<u64>,
    ) -> Result<StoredCheckpoint> {
        let all = self.store.checkpoints().await?;
        match size {
            None => all.into_iter().last(),
            Some(n) => all.into_iter().find(|c| c.checkpoint.size == n),
        }
        .ok_or_else(audit_not_found)
    }

    /// Signs a checkpoint over the log as it is now, after checking the entries added since
    /// the last one. `None` when nothing was added. Refuses to sign a log that fails.
    #[tracing::instrument(name = "audit.make_checkpoint", skip_all)]
    pub async fn make_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let size = self.store.audit_size().await?;
        let latest = self.store.latest_checkpoint().await?;
        self.make_checkpoint_at(size, latest.as_ref()).await
    }

    /// [`Orders::make_checkpoint`] over the first `size` entries, continuing from `latest`,
    /// the latest checkpoint on record (both read by the caller just before).
    #[tracing::instrument(name = "audit.make_checkpoint_at", skip_all)]
    pub async fn make_checkpoint_at(
        &self,
        size: u64,
        latest: Option<&StoredCheckpoint>,
    ) -> Result<Option<StoredCheckpoint>> {
        let key: &SigningKey = self.audit_key.as_deref().ok_or_else(no_key)?;
        let mut v = match latest {
            Some(c) => {
                ChainVerifier::resume(Some((c.checkpoint.size, c.last_hash)), c.frontier.clone())
            }
            None => ChainVerifier::default(),
        };
        if size <= v.count {
            return Ok(None);
        }
        let mut fault = None;
        self.store
            .audit_scan(v.count, &mut |e| {
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
        if let Some(f) = fault {
            tracing::error!(fault = %f.describe_zh(), "audit log fails verification; no checkpoint signed");
            return Err(Error::internal(format!(
                "审计日志验证失败，未签发检查点：{}",
                f.describe_zh()
            )));
        }
        if let Err(f) = v.finish(size) {
            return Err(Error::internal(format!(
                "审计日志验证失败，未签发检查点：{}",
                f.describe_zh()
            )));
        }
        let (_, last_hash) = v.last().ok_or_else(audit_not_found)?;
        let cp = StoredCheckpoint {
            checkpoint: Checkpoint::sign(key, size, &v.root(), self.clock.now()),
            key_id: hex::encode(key.verifying_key().as_bytes()),
            last_hash,
            frontier: v.frontier().clone(),
        };
        if self.store.insert_checkpoint(&cp).await? {
            return Ok(Some(cp));
        }
        // Another process signed this size first: theirs is the one on record.
        self.store.latest_checkpoint().await
    }
}

/// Whether `e` is proven to be in `cp` by the stored leaves.
fn proven(e: &AuditEntry, cp: &Checkpoint, leaves: &[Hash]) -> bool {
    let Some(root) = cp.root_hash() else {
        return false;
    };
    if e.seq == 0 || e.seq > cp.size {
        return false;
    }
    let i = (e.seq - 1) as usize;
    inclusion_proof(i, leaves)
        .is_some_and(|p| verify_inclusion(i, cp.size as usize, &e.compute_hash(), &p, &root))
}

/// Walks the whole log: every entry's hash and link, every stored checkpoint's signature and
/// root, and every checkpoint a witness kept. Stops at the first fault.
pub async fn verify_log(
    store: &dyn crate::ports::OrdersStore,
    key: &VerifyingKey,
    witness: &[Checkpoint],
) -> Result<Verification> {
    let mut checks: Vec<Checkpoint> = store
        .checkpoints()
        .await?
        .into_iter()
        .map(|c| c.checkpoint)
        .collect();
    let stored = checks.len();
    checks.extend(witness.iter().cloned());
    checks.sort_by_key(|c| c.size);
    let largest = checks.last().map_or(0, |c| c.size);
    let head = store.audit_size().await?;
    let mut report = Verification {
        entries: 0,
        checkpoints: stored,
        witnessed: witness.len(),
        fault: None,
    };
    let mut v = ChainVerifier::default();
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
        .audit_scan(0, &mut |e| {
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
        // A checkpoint whose size was never reached exactly: the log was cut short.
        return Ok(fail(
            Fault::Truncated {
                have: v.count,
                checkpoint_size: cp.size,
            },
            &v,
        ));
    }
    report.entries = v.count;
    Ok(report)
}
