//! The work order (工单) and its closed loop as an explicit state machine.
//!
//! [`machine::decide`] is the whole rule book: given an order, a command and what the actor
//! is to this order, it returns the changed order and the history entry, or an error that
//! says what is allowed now. Storage applies the result with an optimistic version check.

pub mod attachment;
pub mod audit_records;
pub mod command;
pub mod erasure;
pub mod listing;
pub mod machine;
pub mod model;
pub mod register;
pub mod tracking;

pub use listing::{OrderCursor, OrderSort};
pub use machine::{Capacity, Command, Outcome, decide};
pub use model::*;
pub use register::NewWorkOrder;
