//! What the intake form checks while the operator types, before anything is registered: the
//! categories the classifier reads in the draft and the open orders about the same matter
//! ([`Orders::preview_intake`]), and the caller's earlier demands found by phone
//! ([`Orders::orders_by_phone`]). Neither stores anything but the records of the contact
//! data read.

use super::{DuplicateCandidate, Orders};
use crate::duplicates::OrderSketch;
use crate::work_order::{NewWorkOrder, WorkOrder};
use jiceng_kernel::access::{Permission, Principal};
use jiceng_kernel::error::Result;
use jiceng_kernel::ids::{OrderId, UnitId};

/// Categories shown for a draft.
pub const PREVIEW_CATEGORIES: usize = 3;
/// Most earlier demands answered for one phone.
pub const MAX_CALLER_ORDERS: usize = 20;

/// What the classifier and the duplicate check say about a draft.
#[derive(Debug, Clone)]
pub struct IntakePreview {
    /// The most likely categories with their probabilities, best first; empty without a
    /// classifier.
    pub categories: Vec<(String, f64)>,
    /// Open orders that may be about the same matter; `None` when not checked (the caller's
    /// role does not see them, detection is off, or the check failed), as at registration.
    pub duplicates: Option<Vec<DuplicateCandidate>>,
}

impl Orders {
    /// The categories and duplicate candidates registering `new` in `region` would give, for
    /// whoever may register. The draft is compared as registration would compare it (same
    /// region, narrowed by the dispatch engine's place), and nothing is stored.
    #[tracing::instrument(name = "intake_checks.preview_intake", skip_all)]
    pub async fn preview_intake(
        &self,
        who: &Principal,
        new: NewWorkOrder,
        region: Option<UnitId>,
    ) -> Result<IntakePreview> {
        let scope = who.require(Permission::RegisterOrders)?;
        let region = self.intake_region(&scope, region).await?;
        let categories = match &self.classifier {
            Some(c) => {
                let found = c.classify(&new.title, &new.content);
                let mut top = found.top;
                if top.is_empty() {
                    top.push((found.label, found.confidence));
                }
                top.truncate(PREVIEW_CATEGORIES);
                top
            }
            None => Vec::new(),
        };
        let Some(detector) = self.duplicates.clone() else {
            return Ok(IntakePreview {
                categories,
                duplicates: None,
            });
        };
        let region = match self.intake_advice(&new, &region).await {
            Some(a) => self.refine_region(&a, region).await?,
            None => region,
        };
        let now = self.clock.now();
        let (draft, _) = new.into_order(
            OrderId::new_at(now),
            String::new(),
            region,
            who.user_id,
            &who.username,
            now,
        );
        if !self.may_check_duplicates(who, &draft) {
            return Ok(IntakePreview {
                categories,
                duplicates: None,
            });
        }
        // The draft's sketch is the probe: nothing of it is stored.
        let probe = OrderSketch::of(&draft, &*detector.sketcher);
        let duplicates = match self.candidates_for(who, &draft, Some(probe)).await {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "duplicate check of a draft failed");
                None
            }
        };
        Ok(IntakePreview {
            categories,
            duplicates,
        })
    }

    /// The orders of the caller's jurisdiction on which `phone` is a caller (or a merged
    /// caller), newest first, at most `limit` (up to [`MAX_CALLER_ORDERS`]). For the roles
    /// that see callers' contact data; each order answered is a full read of its contact data
    /// and recorded as one, all in one append before the answer.
    #[tracing::instrument(name = "intake_checks.orders_by_phone", skip_all)]
    pub async fn orders_by_phone(
        &self,
        who: &Principal,
        phone: &str,
        limit: Option<u32>,
    ) -> Result<Vec<WorkOrder>> {
        let scope = who.require(Permission::ViewCallerContact)?;
        let phone = jiceng_kernel::user::parse_mainland_phone(phone)?;
        let limit = limit.map_or(MAX_CALLER_ORDERS, |l| {
            (l as usize).clamp(1, MAX_CALLER_ORDERS)
        });
        // Only orders that name the phone as a caller: the store may also find it in the text.
        let mut orders: Vec<WorkOrder> = self
            .citizen_orders(&scope, &phone)
            .await?
            .into_iter()
            .map(|c| c.order)
            .collect();
        orders.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.0.cmp(&a.id.0)));
        orders.truncate(limit);
        let reads: Vec<_> = orders
            .iter()
            .filter_map(|o| self.contact_read(who, o))
            .collect();
        if !reads.is_empty() {
            self.store.append_audit(&reads).await?;
        }
        Ok(orders)
    }
}
