//! The audit log as people use it: an order's trail in plain Chinese with its verification
//! status, evidence bundles and proofs. An order's entries are in its county's chain, and
//! those written before there were chains in the closed log; each part is proven in its own
//! chain's checkpoint. Checkpoints and verification: `audit_chains.rs`.

use super::Orders;
use super::work_orders::order_not_found;
use crate::work_order::WorkOrder;
use crate::work_order::audit_records::{describe_zh, order_chain, order_object};
use jiceng_kernel::access::{Granted, Principal, action};
use jiceng_kernel::audit::Hash;
use jiceng_kernel::audit::bundle::{BUNDLE_FORMAT, Bundle, BundlePart, ProvenEntry};
use jiceng_kernel::audit::chain::{AuditEntry, Chain};
use jiceng_kernel::audit::checkpoint::{Checkpoint, StoredCheckpoint};
use jiceng_kernel::audit::merkle::{consistency_proof, inclusion_proof, verify_inclusion};
use jiceng_kernel::audit::records;
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::OrderId;
use serde::Serialize;

/// One step of an order's trail, as staff read it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrailEntry {
    /// The chain the entry is in: the order's county, or `closed` for entries written
    /// before there were chains.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub chain: Chain,
    /// The entry's number in its chain.
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
    /// The latest signed checkpoint of the order's chain.
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
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub chain: Chain,
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
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub chain: Chain,
    pub from_size: u64,
    pub to_size: u64,
    pub hashes: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub from: Checkpoint,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub to: Checkpoint,
}

pub(super) fn audit_not_found() -> Error {
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

    /// The record of `who` reading the contact data `o` holds (`None`: nothing left to read,
    /// every field erased or empty).
    pub(in crate::use_cases) fn contact_read(
        &self,
        who: &Principal,
        o: &WorkOrder,
    ) -> Option<jiceng_kernel::audit::chain::AuditRecord> {
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
        (!fields.is_empty()).then(|| {
            records::personal_data_read(
                order_chain(o),
                who.user_id,
                order_object(o.id),
                &fields,
                self.clock.now(),
            )
        })
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
        if let Some(r) = self.contact_read(who, o) {
            self.store.append_audit(&[r]).await?;
        }
        Ok(true)
    }

    /// An order's entries with the signed checkpoint of each part: the closed log's (entries
    /// before there were chains), then the county chain's. Parts without entries are left out.
    async fn order_parts(&self, o: &WorkOrder) -> Result<Vec<Part>> {
        let object = order_object(o.id);
        let mut parts = Vec::new();
        for chain in [Chain::Closed, order_chain(o)] {
            let entries = self.store.audit_for_object(chain, &object).await?;
            if entries.is_empty() && chain == Chain::Closed {
                continue;
            }
            let latest = self.store.latest_checkpoint(chain).await?;
            parts.push(Part {
                chain,
                entries,
                latest,
            });
        }
        Ok(parts)
    }

    /// An order's trail for staff who may read the order.
    #[tracing::instrument(name = "audit.order_trail", skip_all, fields(id = %id))]
    pub async fn order_trail(&self, who: &Principal, id: OrderId) -> Result<Trail> {
        let o = self.get_order(who, id).await?;
        let key = self.audit_key.as_ref().map(|k| k.verifying_key());
        let offset = jiceng_kernel::calendar::china_standard_time();
        let mut out = Vec::new();
        let mut failed = false;
        let mut chain_checkpoint = None;
        for part in self.order_parts(&o).await? {
            let signed = part
                .latest
                .as_ref()
                .filter(|c| key.is_some_and(|k| c.checkpoint.verify(&k)));
            let leaves = match signed {
                Some(c) if part.entries.iter().any(|e| e.seq <= c.checkpoint.size) => {
                    self.store
                        .audit_leaves(part.chain, c.checkpoint.size)
                        .await?
                }
                _ => Vec::new(),
            };
            for e in &part.entries {
                let intact = e.compute_hash() == e.hash;
                let in_checkpoint = signed.is_some_and(|c| proven(e, &c.checkpoint, &leaves));
                failed |=
                    !intact || signed.is_some_and(|c| e.seq <= c.checkpoint.size && !in_checkpoint);
                out.push(TrailEntry {
                    chain: part.chain,
                    seq: e.seq,
                    at: e.at,
                    action: e.action.clone(),
                    text: describe_zh(e, offset),
                    hash: hex::encode(e.hash),
                    intact,
                    in_checkpoint,
                });
            }
            if part.chain != Chain::Closed {
                chain_checkpoint = signed.map(|c| c.checkpoint.clone());
            }
        }
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
            checkpoint: chain_checkpoint,
            status: status.to_owned(),
            status_text: text,
        })
    }

    /// The entries of `part` with their inclusion proofs in a checkpoint of its chain, signed
    /// now if the latest one does not cover them.
    async fn proven_part(&self, part: Part) -> Result<BundlePart> {
        let last = part.entries.last().map_or(0, |e| e.seq);
        let cp = match part.latest {
            Some(c) if c.checkpoint.size >= last => c,
            _ => self
                .make_checkpoint(part.chain)
                .await?
                .ok_or_else(order_not_found)?,
        };
        let leaves = self
            .store
            .audit_leaves(part.chain, cp.checkpoint.size)
            .await?;
        let entries = part
            .entries
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
        Ok(BundlePart {
            entries,
            checkpoint: cp.checkpoint,
        })
    }

    /// All entries about an order with their inclusion proofs: those of its county's chain,
    /// and those written before there were chains in the closed log's final checkpoint.
    #[tracing::instrument(name = "audit.evidence_bundle", skip_all, fields(id = %id))]
    pub async fn evidence_bundle(&self, who: &Principal, id: OrderId) -> Result<Bundle> {
        who.grant::<action::ReadAuditProofs>()?;
        let o = self.get_order(who, id).await?;
        let mut parts = Vec::new();
        for part in self.order_parts(&o).await? {
            parts.push(self.proven_part(part).await?);
        }
        let main = parts.pop().ok_or_else(order_not_found)?;
        Ok(Bundle {
            format: BUNDLE_FORMAT.to_owned(),
            object: order_object(o.id),
            title: format!("工单 {} 全程记录", o.number),
            entries: main.entries,
            checkpoint: main.checkpoint,
            closed: parts.pop(),
        })
    }

    /// The audit path of entry `seq` in the checkpoint of `size` (default: the latest).
    #[tracing::instrument(name = "audit.inclusion_proof", skip_all)]
    pub async fn inclusion_proof(
        &self,
        who: &Principal,
        chain: Chain,
        seq: u64,
        size: Option<u64>,
    ) -> Result<InclusionProof> {
        let granted = who.grant()?;
        let cp = self.checkpoint_of(&granted, chain, size).await?;
        let n = cp.checkpoint.size;
        if seq == 0 || seq > n {
            return Err(audit_not_found());
        }
        let leaves = self.store.audit_leaves(chain, n).await?;
        let hashes = inclusion_proof((seq - 1) as usize, &leaves).ok_or_else(audit_not_found)?;
        Ok(InclusionProof {
            chain,
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
        chain: Chain,
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
        let a = self.checkpoint_of(&granted, chain, Some(from)).await?;
        let b = self.checkpoint_of(&granted, chain, Some(to)).await?;
        let leaves = self.store.audit_leaves(chain, to).await?;
        let hashes = consistency_proof(from as usize, &leaves).ok_or_else(audit_not_found)?;
        Ok(ConsistencyProof {
            chain,
            from_size: from,
            to_size: to,
            hashes: hexes(&hashes),
            from: a.checkpoint,
            to: b.checkpoint,
        })
    }

    /// The stored checkpoint of `chain` of `size` (default: the latest), for a caller the
    /// table let read the proofs.
    async fn checkpoint_of(
        &self,
        _: &Granted<action::ReadAuditProofs>,
        chain: Chain,
        size: Option<u64>,
    ) -> Result<StoredCheckpoint> {
        let all = self.store.checkpoints(chain).await?;
        match size {
            None => all.into_iter().last(),
            Some(n) => all.into_iter().find(|c| c.checkpoint.size == n),
        }
        .ok_or_else(audit_not_found)
    }
}

/// An order's entries in one chain and the chain's latest checkpoint.
struct Part {
    chain: Chain,
    entries: Vec<AuditEntry>,
    latest: Option<StoredCheckpoint>,
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
