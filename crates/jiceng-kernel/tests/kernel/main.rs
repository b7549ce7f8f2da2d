//! The kernel's integration tests, one binary: the work calendar and the error-code registry.

mod calendar;
mod calendar_props;
mod error_codes;
