//! Tamper evidence for the audit log, in the manner of Certificate Transparency
//! (RFC 6962 / RFC 9162): Merkle tree heads over the log, inclusion proofs for single
//! entries and consistency proofs between two heads. Pure functions over hashes.

pub mod bundle;
pub mod chain;
pub mod checkpoint;
pub mod frontier;
pub mod merkle;
pub mod province;
pub mod records;

/// A SHA-256 digest.
pub type Hash = [u8; 32];
