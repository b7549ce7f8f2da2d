//! The work-order context (工单): a citizen's demand from intake to archive. The order's model
//! and its rule book ([`work_order::decide`]), duty lists and the dispatch engine, duplicate
//! detection, deadlines and escalation for any subject, the audit trail of orders, the
//! classifier's administration, this context's storage port and its use cases ([`use_cases::Orders`]).
//!
//! Nothing here performs I/O or reads the clock: time comes in through
//! [`jiceng_kernel::clock::Clock`], and storage through [`ports::OrdersStore`].

pub mod duplicates;
pub mod duty;
pub mod effects;
pub mod learning;
pub mod locator;
pub mod ports;
pub mod routing;
pub mod sla;
pub mod use_cases;
pub mod work_order;
