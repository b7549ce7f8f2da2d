//! Jiceng's kernel: what every context shares. Ids, errors and the registry of their codes,
//! the clock, the org tree and unit paths, users and principals with the one access-policy
//! table, the work calendar, subjects of deadlines, the tamper-evident audit chain, attempt
//! throttles, leases, and the ports for the audit log, attempt counts and secrets.
//!
//! Nothing here performs I/O or reads the clock: time comes in through [`clock::Clock`],
//! and storage through the traits in [`ports`], [`lease`] and the contexts' own ports.

pub mod access;
pub mod attempts;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod clock;
pub mod error;
pub mod ids;
pub mod lease;
pub mod org;
pub mod ports;
pub mod subject;
pub mod text;
pub mod throttle;
pub mod user;

pub use error::{Code, Error, ErrorKind, Result, codes};

/// Clamps a requested page size to 1..=500, default 50.
pub fn page_size(requested: Option<u32>) -> u32 {
    requested.unwrap_or(50).clamp(1, 500)
}
