//! Time limits of work orders (时限): the sign-for, handling and call-back clocks, their
//! yellow and red warnings, and the escalation ladder (催办 → 督办 → 通报).
//!
//! The machinery common to every subject (clocks, ladders, policies, escalation records, the
//! store's port) is `jiceng_deadlines`, re-exported here. What is a work order's own is here:
//! [`follow`] says when its clocks start, pause, resume, move and stop as the order goes
//! through its loop, and what a due step does to it ([`fire_due`]); [`limits`] says which
//! limits it runs on. The clocks live in the order's document, so a transition and its clocks
//! are stored together under the order's version.

pub mod follow;
pub mod limits;

pub use follow::{Fired, clocks_to_start, fire_due, follow, order_label};
pub use jiceng_deadlines::*;
pub use limits::{LimitSource, OrderLimits};
