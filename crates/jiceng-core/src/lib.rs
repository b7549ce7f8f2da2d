//! Jiceng's domain: the rules of the organisation tree, users, roles and jurisdiction,
//! and the ports (traits) that storage and the outside world implement.
//!
//! Nothing here performs I/O or reads the clock: time comes in as a parameter
//! through [`clock::Clock`], and storage through the traits in [`ports`].

pub mod access;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod clock;
pub mod duplicates;
pub mod duty;
pub mod effects;
pub mod error;
pub mod ids;
pub mod learning;
pub mod lease;
pub mod locator;
pub mod org;
pub mod ports;
pub mod routing;
pub mod services;
pub mod sla;
pub mod subject;
pub mod text;
pub mod throttle;
pub mod user;
pub mod work_order;

pub use error::{Code, Error, ErrorKind, Result, codes};
