//! The append-only log as a hash chain: each entry commits to its content and to the hash
//! of the entry before it, so a change anywhere breaks every link after it.
//!
//! `entry`: records and the entries made of them; `stored`: the fields as stored and the
//! canonical encoding that is hashed; `verify`: the walk that names the first fault.

use super::Hash;

mod entry;
mod id;
mod stored;
mod verify;

pub use entry::{AuditEntry, AuditRecord, Payload};
pub use id::{Chain, SYSTEM_KEY};
pub use stored::StoredEntry;
pub use verify::{ChainVerifier, Fault};

/// The hash the first entry links to.
pub const GENESIS: Hash = [0u8; 32];

#[cfg(test)]
mod tests;
