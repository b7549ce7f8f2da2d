//! The kernel's ports: the audit log, job leases, attempt counts.

#[macro_use]
pub mod audit;
mod lease;
mod throttle;
