//! The kernel's integration tests, one binary: the work calendar, the error-code registry and
//! the access-policy table.

mod access_policy;
mod calendar;
mod calendar_props;
mod error_codes;

/// Held by the tests that rewrite a generated table of README.md, so two rewrites in one run
/// do not undo each other.
static README: std::sync::Mutex<()> = std::sync::Mutex::new(());
