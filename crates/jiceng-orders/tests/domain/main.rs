//! The work-order context's integration tests, one binary: duty lists, the work-order rule book, SLA clocks.

mod duty;
mod machine_props;
mod sla_clocks;
