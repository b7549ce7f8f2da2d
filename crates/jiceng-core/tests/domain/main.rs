//! The domain crate's integration tests, one binary: calendars, duty lists, the work-order rule book, SLA clocks.

mod calendar;
mod calendar_props;
mod duty;
mod error_codes;
mod machine_props;
mod sla_clocks;
