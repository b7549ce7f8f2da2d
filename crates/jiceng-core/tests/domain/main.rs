//! The domain crate's integration tests, one binary: calendars, duty lists, the work-order rule book, SLA clocks.

mod access_policy;
mod calendar;
mod calendar_props;
mod duty;
mod error_codes;
mod machine_props;
mod sla_clocks;

/// Held by the tests that rewrite a generated table of README.md, so two rewrites in one run
/// do not undo each other.
static README: std::sync::Mutex<()> = std::sync::Mutex::new(());
