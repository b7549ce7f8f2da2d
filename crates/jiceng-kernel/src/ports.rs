//! Ports every context shares: the audit log, attempt counts, secrets, and what a storage
//! backend says of itself.

use crate::error::Result;
use async_trait::async_trait;

/// The append-only audit log. Changes write their entries in their own transaction (the
/// stores of users, units, logins and work orders do it); this port adds standalone entries
/// (reads of personal data) and reads the log for checkpoints, proofs and verification.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, records: &[crate::audit::chain::AuditRecord]) -> Result<()>;
    /// The number of entries in the log (the head's sequence number).
    async fn audit_size(&self) -> Result<u64>;
    /// Entries numbered after `after`, in order, at most `limit`. A payload that is no
    /// longer JSON comes back as a JSON string of its text, so that it fails its hash.
    async fn audit_page(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<crate::audit::chain::AuditEntry>>;
    /// Hands each stored entry numbered after `after` to `visit`, in order and exactly as
    /// stored, until `visit` breaks or the log ends. For walking the whole log: the store
    /// reads ahead while `visit` hashes, and nothing is decoded or checked on the way.
    async fn audit_scan(
        &self,
        after: u64,
        visit: &mut (
                 dyn for<'r> FnMut(
            crate::audit::chain::StoredEntry<'r>,
        ) -> std::ops::ControlFlow<()>
                     + Send
             ),
    ) -> Result<()>;
    /// All entries about one object, in order.
    async fn audit_for_object(&self, object: &str) -> Result<Vec<crate::audit::chain::AuditEntry>>;
    /// The stored hashes of entries 1..=size, in order.
    async fn audit_leaves(&self, size: u64) -> Result<Vec<crate::audit::Hash>>;
    /// Stores a checkpoint; false if one of that size exists already.
    async fn insert_checkpoint(
        &self,
        cp: &crate::audit::checkpoint::StoredCheckpoint,
    ) -> Result<bool>;
    /// All checkpoints, smallest first.
    async fn checkpoints(&self) -> Result<Vec<crate::audit::checkpoint::StoredCheckpoint>>;
    async fn latest_checkpoint(&self)
    -> Result<Option<crate::audit::checkpoint::StoredCheckpoint>>;
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
