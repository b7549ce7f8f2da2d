//! The storage adapters' tests, one binary: the conformance suite on both backends, and the test databases themselves.

mod areas;
mod audit_chains;
mod commit;
mod conformance;
mod duplicates;
mod models;
mod order_sort;
mod personal_data;
mod template;
