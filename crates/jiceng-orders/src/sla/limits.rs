//! Which limits a work order runs on: the policy's for its urgency and category, or a
//! source that overrides them, such as the duty list (权责清单) supplying the limits of its
//! matters.

use crate::work_order::{Urgency, WorkOrder};
use async_trait::async_trait;
use jiceng_deadlines::SlaPolicy;
use jiceng_kernel::calendar::TimeLimits;
use jiceng_kernel::error::Result;

/// A policy's limits for work orders.
pub trait OrderLimits {
    /// The limits for an order, and the reason given for them.
    fn limits_for(&self, order: &WorkOrder) -> (TimeLimits, String);
}

impl OrderLimits for SlaPolicy {
    fn limits_for(&self, order: &WorkOrder) -> (TimeLimits, String) {
        self.limits_for_demand(order.urgency == Urgency::Urgent, order.category.as_deref())
    }
}

/// A source of limits that overrides the policy's, such as the duty list: the matter an order
/// was routed under carries its own `TimeLimits`. `None`: the policy decides.
#[async_trait]
pub trait LimitSource: Send + Sync {
    /// The limits and a short basis naming the source (e.g. the duty's name and list version).
    async fn limits_for(&self, order: &WorkOrder) -> Result<Option<(TimeLimits, String)>>;
}
