//! The text crate's integration tests, one binary: classifier, duplicates, robustness.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod classifier;
mod dedup;
mod robustness;
