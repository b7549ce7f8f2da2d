//! Ports every context shares: the audit log, attempt counts, secrets, and what a storage
//! backend says of itself.

use crate::error::Result;
use async_trait::async_trait;

/// The append-only audit log: one hash chain per county, the system chain, and the closed
/// log of the time before chains ([`crate::audit::chain::Chain`]). Changes write their
/// entries in their own transaction (the stores of users, units, logins and work orders do
/// it), each record to its chain; this port adds standalone entries (reads of personal data)
/// and reads a chain for checkpoints, proofs and verification.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends each record to its own chain, in order within a chain. Records for several
    /// chains lock the chains' heads in the order of their keys.
    async fn append_audit(&self, records: &[crate::audit::chain::AuditRecord]) -> Result<()>;
    /// The chains that have entries or checkpoints, with their sizes (the closed log
    /// included when it has entries), ordered by chain.
    async fn audit_chains(&self) -> Result<Vec<(crate::audit::chain::Chain, u64)>>;
    /// The hash the first entry of every chain links to: the last entry of the closed log
    /// (zeros when it was empty).
    async fn audit_genesis(&self) -> Result<crate::audit::Hash>;
    /// The number of entries in a chain (its head's sequence number).
    async fn audit_size(&self, chain: crate::audit::chain::Chain) -> Result<u64>;
    /// A chain's entries numbered after `after`, in order, at most `limit`. A payload that is
    /// no longer JSON comes back as a JSON string of its text, so that it fails its hash.
    async fn audit_page(
        &self,
        chain: crate::audit::chain::Chain,
        after: u64,
        limit: u32,
    ) -> Result<Vec<crate::audit::chain::AuditEntry>>;
    /// Hands each stored entry of a chain numbered after `after` to `visit`, in order and
    /// exactly as stored, until `visit` breaks or the chain ends. For walking a whole chain:
    /// the store reads ahead while `visit` hashes, and nothing is decoded or checked on the way.
    async fn audit_scan(
        &self,
        chain: crate::audit::chain::Chain,
        after: u64,
        visit: &mut (
                 dyn for<'r> FnMut(
            crate::audit::chain::StoredEntry<'r>,
        ) -> std::ops::ControlFlow<()>
                     + Send
             ),
    ) -> Result<()>;
    /// All entries about one object in a chain, in order.
    async fn audit_for_object(
        &self,
        chain: crate::audit::chain::Chain,
        object: &str,
    ) -> Result<Vec<crate::audit::chain::AuditEntry>>;
    /// The stored hashes of a chain's entries 1..=size, in order.
    async fn audit_leaves(
        &self,
        chain: crate::audit::chain::Chain,
        size: u64,
    ) -> Result<Vec<crate::audit::Hash>>;
    /// Stores a checkpoint of its chain; false if one of that size exists already.
    async fn insert_checkpoint(
        &self,
        cp: &crate::audit::checkpoint::StoredCheckpoint,
    ) -> Result<bool>;
    /// A chain's checkpoints, smallest first.
    async fn checkpoints(
        &self,
        chain: crate::audit::chain::Chain,
    ) -> Result<Vec<crate::audit::checkpoint::StoredCheckpoint>>;
    async fn latest_checkpoint(
        &self,
        chain: crate::audit::chain::Chain,
    ) -> Result<Option<crate::audit::checkpoint::StoredCheckpoint>>;
    /// Stores a province-wide checkpoint.
    async fn insert_province_checkpoint(
        &self,
        cp: &crate::audit::province::ProvinceCheckpoint,
        key_id: &str,
    ) -> Result<()>;
    async fn latest_province_checkpoint(
        &self,
    ) -> Result<Option<crate::audit::province::ProvinceCheckpoint>>;
}

/// Attempt counts (see [`crate::throttle`]), changed only by compare-and-swap so that
/// concurrent requests and several servers on one database never both take the last free try.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    async fn read_tally(&self, scope: &str, key: &str) -> Result<Option<crate::throttle::Tally>>;
    /// Replaces `old` (`None`: no row yet) with `new`; `false` when the row is no longer `old`.
    async fn swap_tally(
        &self,
        scope: &str,
        key: &str,
        old: Option<crate::throttle::Tally>,
        new: crate::throttle::Tally,
    ) -> Result<bool>;
}

/// Password hashing and secret generation, kept out of the domain's dependencies.
#[async_trait]
pub trait Secrets: Send + Sync {
    async fn hash_password(&self, password: &str) -> Result<String>;
    async fn verify_password(&self, password: &str, hash: &str) -> bool;
    /// A fresh random secret, URL-safe.
    fn random_token(&self) -> String;
    /// A one-way fingerprint of a secret token, for storage (SHA-256, hex).
    fn fingerprint(&self, token: &str) -> String;
}

/// What every storage adapter says of itself, whichever contexts' ports it implements.
#[async_trait]
pub trait Backend: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// A cheap round trip, for health checks.
    async fn ping(&self) -> Result<()>;
}
