//! Intake (受理): a demand becomes a numbered order, dispatched at once when the engine or
//! an installed advisor is sure enough.

use super::{SYSTEM_USER, local_tz, set_duty};
use crate::effects::{Committed, Effects, Idempotency, SketchWrite};
use crate::routing::Decision;
use crate::use_cases::Orders;
use crate::use_cases::routing::{AdviceInput, dispatch_note};
use crate::work_order::register::day_key;
use crate::work_order::{Assignee, Capacity, Command, NewWorkOrder, Outcome, WorkOrder, decide};
use jiceng_accounts::unit_not_found;
use jiceng_kernel::access::{Permission, Principal};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{OrderId, UnitId};
use jiceng_kernel::subject::Subject;

impl Orders {
    /// Registers a demand (受理). With an idempotency key, a retry returns the first order.
    #[tracing::instrument(name = "work_orders.register_order", skip_all)]
    pub async fn register_order(
        &self,
        who: &Principal,
        new: NewWorkOrder,
        region: Option<UnitId>,
        idempotency_key: Option<&str>,
    ) -> Result<WorkOrder> {
        Ok(self
            .register(who, new, region, idempotency_key)
            .await?
            .0
            .into_order())
    }

    /// The dispatch engine's reading of a new demand, when the engine is on: the place it
    /// finds, the category it predicts, the units it suggests. `None` when it is off or fails
    /// (the order is then left to dispatchers, the failure logged).
    pub(in crate::use_cases) async fn intake_advice(
        &self,
        new: &NewWorkOrder,
        region: &Assignee,
    ) -> Option<crate::routing::Advice> {
        if !self.routing_enabled() {
            return None;
        }
        let input = AdviceInput {
            title: &new.title,
            content: &new.content,
            category: new.category.as_deref(),
            latitude: new.latitude,
            longitude: new.longitude,
            address: new.address.as_deref(),
            region,
        };
        match self.advise(input, Vec::new()).await {
            Ok(a) => Some(a),
            Err(e) => {
                tracing::warn!(error = %e, "dispatch engine failed; order left for dispatchers");
                None
            }
        }
    }

    /// [`Orders::register_order`], with the text sketch stored with a new order (`None` for
    /// a retry, or without duplicate detection).
    pub(in crate::use_cases) async fn register(
        &self,
        who: &Principal,
        new: NewWorkOrder,
        region: Option<UnitId>,
        idempotency_key: Option<&str>,
    ) -> Result<(Registration, Option<crate::duplicates::OrderSketch>)> {
        let scope = who.require(Permission::RegisterOrders)?;
        if let Some(k) = idempotency_key
            && (k.is_empty() || k.len() > 128 || !k.is_ascii())
        {
            return Err(Error::new(
                codes::REQUEST_INVALID_IDEMPOTENCY_KEY,
                "Idempotency-Key 须为 1–128 个 ASCII 字符",
            ));
        }
        // The request as the client sent it: a key reused with another one is refused.
        let request_hash = request_fingerprint(&new, region);
        let mut new = new;
        if let Some(c) = new.category.take() {
            new.category = Some(self.check_intake_category(&c)?);
        }
        let region = self.intake_region(&scope, region).await?;
        if !who.holds(Permission::ReadOrders) {
            // Citizens (who may register but read no orders) file for themselves, through the
            // web or the app.
            if !matches!(new.channel, crate::work_order::Channel::Mobile) {
                new.channel = crate::work_order::Channel::Web;
            }
        }
        // A retry is recognised by the commit, which answers with the first order and writes
        // nothing: a lookup ahead of the dispatch engine would cost every keyed intake a read
        // (about 5 % of intake throughput) to spare the rare retry the engine's reading.
        let idempotency = idempotency_key.map(|key| Idempotency {
            user: who.user_id,
            key: key.to_owned(),
            request_hash,
        });
        // The dispatch engine reads the demand first: the place it finds narrows the region
        // (so the town's staff see it), the category it predicts fills an empty one.
        let advice = self.intake_advice(&new, &region).await;
        let region = match &advice {
            Some(a) => self.refine_region(a, region).await?,
            None => region,
        };
        if new.category.is_none()
            && let Some(c) = advice.as_ref().and_then(|a| a.category.as_ref())
        {
            new.category = Some(c.label.clone());
        }
        let now = self.clock.now();
        let id = OrderId::new_at(now);
        let (mut order, entry) =
            new.into_order(id, String::new(), region, who.user_id, &who.username, now);
        order.routing = advice;
        let tracking_code = crate::work_order::tracking::code_from(&self.secrets.random_token());
        order.tracking_hash = Some(self.secrets.fingerprint(&tracking_code));
        let prefix = format!(
            "JC{}{}",
            self.county_code(order.county()).await?,
            day_key(now, local_tz())
        );
        let sketch = self.sketch_of(&order);
        // A new order the engine (or an installed advisor) is sure about is stored dispatched,
        // with both steps in its history, in the same transaction.
        let dispatch = self.auto_dispatch(&order).await?;
        let mut history = vec![entry];
        let dispatched = dispatch.is_some();
        if let Some(out) = dispatch {
            order = out.order;
            history.push(out.entry);
        }
        let mut effects = Effects::new(now);
        effects.new_order(order.clone(), history, prefix);
        effects
            .sketches
            .extend(sketch.iter().cloned().map(SketchWrite::Put));
        effects.idempotency = idempotency;
        match self.store.commit(&effects).await? {
            Committed::Replayed { order } => Ok((Registration::Replayed { order }, None)),
            committed => {
                let number = committed
                    .number_of(&Subject::work_order(order.id))
                    .ok_or_else(|| Error::internal("新工单未获得编号"))?;
                order.number = number.to_owned();
                if dispatched {
                    self.signal_due(&order);
                }
                let created = Registration::Created {
                    order,
                    tracking_code,
                };
                Ok((created, sketch))
            }
        }
    }

    /// The unit a demand is registered in: the one asked for, within the registering scope,
    /// else the county of the caller's first grant.
    pub(in crate::use_cases) async fn intake_region(
        &self,
        scope: &jiceng_kernel::access::Scope,
        region: Option<UnitId>,
    ) -> Result<Assignee> {
        match region {
            Some(id) => self.assignee(id, scope).await,
            None => {
                let root = scope
                    .roots()
                    .first()
                    .ok_or_else(|| Error::forbidden("无受理权限"))?;
                let id = root
                    .ancestors()
                    .last()
                    .copied()
                    .ok_or_else(unit_not_found)?;
                self.assignee(id, scope).await
            }
        }
    }

    /// An installed advisor's best suggestion, when it reaches the threshold and names a unit
    /// of the order's county tree; anything else is a bad suggestion, ignored.
    async fn advisor_choice(
        &self,
        advisor: &dyn crate::ports::DispatchAdvisor,
        order: &WorkOrder,
    ) -> Result<
        Option<(
            Assignee,
            Vec<Assignee>,
            String,
            Option<crate::duty::DutyRef>,
        )>,
    > {
        let best = match advisor.suggest(order).await {
            Ok(s) => s.into_iter().next(),
            Err(e) => {
                tracing::warn!(order = %order.id, error = %e, "dispatch advisor failed; order left for dispatchers");
                None
            }
        };
        let Some(best) = best.filter(|b| b.confidence >= self.auto_dispatch_threshold) else {
            return Ok(None);
        };
        let Some(lead) = self.tree_assignee(order, best.unit).await? else {
            return Ok(None);
        };
        let note = dispatch_note(best.confidence, &best.explanation);
        Ok(Some((lead, Vec::new(), note, None)))
    }

    /// The dispatch of a new order, when the engine (or an installed advisor) is sure enough.
    /// A failing advisor never loses the order: it simply stays in the dispatcher's queue.
    async fn auto_dispatch(&self, order: &WorkOrder) -> Result<Option<Outcome>> {
        let chosen = match (&self.advisor, order.routing.as_ref()) {
            (Some(advisor), _) => self.advisor_choice(advisor.as_ref(), order).await?,
            (None, Some(a)) if a.decision == Decision::Auto => match a.suggestions.first() {
                Some(best) => self
                    .suggestion_assignees(order, best)
                    .await?
                    .map(|(lead, co)| {
                        let note = dispatch_note(best.confidence, &best.explanation);
                        (lead, co, note, best.duty.as_ref().map(|d| d.duty_ref))
                    }),
                None => None,
            },
            (None, _) => None,
        };
        let Some((lead, co_units, note, duty)) = chosen else {
            return Ok(None);
        };
        let cap = Capacity {
            user: Some(SYSTEM_USER),
            user_name: "系统自动派单".into(),
            dispatcher: true,
            ..Default::default()
        };
        let note = Some(note.chars().take(1000).collect());
        let now = self.clock.now();
        let mut out = decide(
            order,
            Command::Dispatch {
                lead,
                co_units,
                note,
            },
            &cap,
            now,
        )?;
        set_duty(&mut out, duty);
        self.follow_clocks(order, &mut out.order, now).await?;
        Ok(Some(out))
    }
}

/// A registration's outcome: the order created now, or the one created before for a request
/// repeated with its idempotency key.
#[derive(Debug, Clone)]
pub enum Registration {
    Created {
        order: WorkOrder,
        /// The tracking code (查询码) for the receipt: shown once, when the order is created.
        tracking_code: String,
    },
    Replayed {
        order: WorkOrder,
    },
}

impl Registration {
    pub fn order(&self) -> &WorkOrder {
        match self {
            Self::Created { order, .. } | Self::Replayed { order } => order,
        }
    }

    pub fn into_order(self) -> WorkOrder {
        match self {
            Self::Created { order, .. } | Self::Replayed { order } => order,
        }
    }
}

/// SHA-256 of the request's fields as parsed (canonical: spacing and field order of the JSON
/// do not matter), for idempotency keys.
fn request_fingerprint(new: &NewWorkOrder, region: Option<UnitId>) -> String {
    use sha2::{Digest, Sha256};
    let text = format!("{new:?}|{region:?}");
    hex::encode(Sha256::digest(text.as_bytes()))
}
