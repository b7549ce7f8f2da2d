//! The work-order use cases: intake, lists and inboxes, transitions, merge, citizen lookup.

use super::Orders;
use crate::ports::{IdempotencyKey, Inserted, OrderChange, OrderQuery};
use crate::routing::Decision;
use crate::use_cases::routing::{AdviceInput, dispatch_note};
use crate::work_order::machine::{Action, available};
use crate::work_order::register::{day_key, order_number};
use crate::work_order::{
    Assignee, Capacity, Command, NewWorkOrder, OrderCursor, OrderSort, Status, WorkOrder, decide,
};
use chrono::FixedOffset;
use jiceng_accounts::unit_not_found;
use jiceng_kernel::access::{Permission, Principal};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{OrderId, UnitId};
use jiceng_kernel::page_size;

/// Local time of the jurisdiction for order numbers (Asia/Shanghai has no daylight saving).
fn local_tz() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc))
}

pub fn order_not_found() -> Error {
    Error::new(
        codes::WORK_ORDER_NOT_FOUND,
        "工单不存在或不在您的管辖范围内",
    )
}

/// A page of an inbox, with the cursor of the next page when there may be one.
#[derive(Debug, Clone)]
pub struct InboxPage {
    pub orders: Vec<WorkOrder>,
    pub next: Option<OrderCursor>,
}

/// Which lists a role works from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Inbox {
    /// 待签收: my units' orders to sign for (lead), and co-unit parts to sign for.
    ToSign,
    /// 待办理: my units' orders being handled or suspended.
    ToHandle,
    /// 待审核: replies of my units waiting for a leader's review.
    ToReview,
    /// 待派单: the dispatcher's queue.
    ToDispatch,
    /// 退单待审定: returned orders waiting for a ruling.
    Returned,
    /// 待回访: replied orders waiting for a call-back.
    ToFollowUp,
    /// 延期待审批: extension requests waiting for a supervisor.
    Extensions,
}

impl Orders {
    /// What the caller is to this order.
    pub fn capacity(&self, who: &Principal, o: &WorkOrder) -> Capacity {
        // Over the order: its region or its lead unit is in the permission's scope.
        let over = |perm: Permission| {
            let scope = who.scope(perm);
            scope.contains(&o.region.unit_path)
                || o.lead
                    .as_ref()
                    .is_some_and(|l| scope.contains(&l.unit_path))
        };
        let unit_staff = who.scope(Permission::HandleOrders);
        let leaders = who.scope(Permission::ReviewReplies);
        Capacity {
            user: Some(who.user_id),
            user_name: who.username.clone(),
            dispatcher: over(Permission::DispatchOrders),
            operator: over(Permission::FollowUpOrders),
            lead_staff: o
                .lead
                .as_ref()
                .is_some_and(|l| unit_staff.contains(&l.unit_path)),
            lead_leader: o
                .lead
                .as_ref()
                .is_some_and(|l| leaders.contains(&l.unit_path)),
            co_units: o
                .co_units
                .iter()
                .filter(|c| unit_staff.contains(&c.unit.unit_path))
                .map(|c| c.unit.unit_id)
                .collect(),
            supervisor: over(Permission::DecideExtensions),
            owner: filed_by(who, o),
        }
    }

    pub(super) fn visible(&self, who: &Principal, o: &WorkOrder) -> bool {
        if o.created_by == who.user_id {
            return true;
        }
        let scope = who.scope(Permission::ReadOrders);
        scope.contains(&o.region.unit_path)
            || o.lead
                .as_ref()
                .is_some_and(|l| scope.contains(&l.unit_path))
            || o.co_units.iter().any(|c| scope.contains(&c.unit.unit_path))
    }

    /// Whether the caller may see callers' contact data on this order.
    pub fn may_see_contact(&self, who: &Principal, o: &WorkOrder) -> bool {
        if o.created_by == who.user_id {
            return true;
        }
        let scope = who.scope(Permission::ViewCallerContact);
        scope.contains(&o.region.unit_path)
            || o.lead
                .as_ref()
                .is_some_and(|l| scope.contains(&l.unit_path))
    }

    /// The actions the caller may take on the order now.
    pub fn available_actions(&self, who: &Principal, o: &WorkOrder) -> Vec<Action> {
        available(o, &self.capacity(who, o))
    }

    async fn assignee(&self, id: UnitId, scope: &jiceng_kernel::access::Scope) -> Result<Assignee> {
        let unit = self.store.get_unit(id).await?.ok_or_else(unit_not_found)?;
        if !scope.contains(&unit.path) {
            return Err(unit_not_found());
        }
        Ok(Assignee {
            unit_id: unit.id,
            unit_name: unit.name,
            unit_path: unit.path,
        })
    }

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
            .order)
    }

    /// [`Orders::register_order`], with the text sketch stored with a new order (`None` for
    /// a retry, or without duplicate detection).
    pub(super) async fn register(
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
        let region = match region {
            Some(id) => self.assignee(id, &scope).await?,
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
                self.assignee(id, &scope).await?
            }
        };
        if !who.holds(Permission::ReadOrders) {
            // Citizens (who may register but read no orders) file for themselves, through the
            // web or the app.
            if !matches!(new.channel, crate::work_order::Channel::Mobile) {
                new.channel = crate::work_order::Channel::Web;
            }
        }
        // The dispatch engine reads the demand first: the place it finds narrows the region
        // (so the town's staff see it), the category it predicts fills an empty one.
        let advice = if self.routing_enabled() {
            let input = AdviceInput {
                title: &new.title,
                content: &new.content,
                category: new.category.as_deref(),
                latitude: new.latitude,
                longitude: new.longitude,
                address: new.address.as_deref(),
                region: &region,
            };
            match self.advise(input, Vec::new()).await {
                Ok(a) => Some(a),
                Err(e) => {
                    tracing::warn!(error = %e, "dispatch engine failed; order left for dispatchers");
                    None
                }
            }
        } else {
            None
        };
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
        let prefix = format!("JC{}", day_key(now, local_tz()));
        let idem = idempotency_key.map(|key| IdempotencyKey {
            user: who.user_id,
            key,
            request_hash: &request_hash,
        });
        let sketch = self.sketch_of(&order);
        match self
            .store
            .insert_order(&order, &entry, &prefix, idem, sketch.as_ref())
            .await?
        {
            Inserted::Created(number) => {
                order.number = number;
                let order = self.auto_dispatch(order).await?;
                let created = Registration {
                    order,
                    tracking_code: Some(tracking_code),
                    replayed: false,
                };
                Ok((created, sketch))
            }
            Inserted::Replayed(existing) => {
                let order = self
                    .store
                    .get_order(existing)
                    .await?
                    .ok_or_else(order_not_found)?;
                let replay = Registration {
                    order,
                    tracking_code: None,
                    replayed: true,
                };
                Ok((replay, None))
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
                tracing::warn!(order = %order.number, error = %e, "dispatch advisor failed; order left for dispatchers");
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

    /// Dispatches a new order when the engine (or an installed advisor) is sure enough. A
    /// failing advisor never loses the order: it simply stays in the dispatcher's queue.
    async fn auto_dispatch(&self, order: WorkOrder) -> Result<WorkOrder> {
        let chosen = match (&self.advisor, order.routing.as_ref()) {
            (Some(advisor), _) => self.advisor_choice(advisor.as_ref(), &order).await?,
            (None, Some(a)) if a.decision == Decision::Auto => match a.suggestions.first() {
                Some(best) => self
                    .suggestion_assignees(&order, best)
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
            return Ok(order);
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
            &order,
            Command::Dispatch {
                lead,
                co_units,
                note,
            },
            &cap,
            now,
        )?;
        set_duty(&mut out, duty);
        self.follow_clocks(&order, &mut out.order, now).await?;
        self.store
            .apply_changes(&[OrderChange {
                expected_version: order.version,
                order: out.order.clone(),
                entry: out.entry,
                notices: Vec::new(),
                escalations: Vec::new(),
            }])
            .await?;
        self.signal_due(&out.order);
        Ok(out.order)
    }

    #[tracing::instrument(name = "work_orders.get_order", skip_all, fields(id = %id))]
    pub async fn get_order(&self, who: &Principal, id: OrderId) -> Result<WorkOrder> {
        let o = self
            .store
            .get_order(id)
            .await?
            .ok_or_else(order_not_found)?;
        if !self.visible(who, &o) {
            return Err(order_not_found());
        }
        Ok(o)
    }

    #[tracing::instrument(name = "work_orders.order_history", skip_all, fields(id = %id))]
    pub async fn order_history(
        &self,
        who: &Principal,
        id: OrderId,
    ) -> Result<Vec<crate::work_order::HistoryEntry>> {
        self.get_order(who, id).await?;
        self.store.order_history(id).await
    }

    /// Orders the caller may see, filtered. Citizens see only their own.
    #[tracing::instrument(name = "work_orders.list_orders", skip_all)]
    pub async fn list_orders(&self, who: &Principal, mut q: OrderQuery) -> Result<Vec<WorkOrder>> {
        let readable = who.scope(Permission::ReadOrders);
        if !readable.is_empty() {
            q.scope = readable.into_roots();
        } else {
            who.require(Permission::RegisterOrders)?;
            q.scope = Vec::new();
            q.created_by = Some(who.user_id);
        }
        if let Some(t) = &q.text {
            q.text = jiceng_kernel::text::clean_opt(
                Some(t),
                "搜索词",
                100,
                codes::WORK_ORDER_INVALID_QUERY,
            )?;
        }
        q.limit = page_size(Some(q.limit).filter(|l| *l > 0));
        self.store.list_orders(&q).await
    }

    /// One of the role inboxes.
    #[tracing::instrument(name = "work_orders.inbox", skip_all)]
    pub async fn inbox(
        &self,
        who: &Principal,
        inbox: Inbox,
        sort: OrderSort,
        cursor: Option<OrderCursor>,
        limit: Option<u32>,
    ) -> Result<InboxPage> {
        let mut q = OrderQuery {
            sort,
            cursor,
            limit: page_size(limit),
            ..Default::default()
        };
        let need = |perm: Permission| {
            who.require(perm)
                .map(|s| s.into_roots())
                .map_err(|_| Error::forbidden("您的角色没有此待办列表"))
        };
        match inbox {
            Inbox::ToSign => {
                q.to_sign_scope = Some(need(Permission::HandleOrders)?);
            }
            Inbox::ToHandle => {
                q.statuses = vec![Status::Handling, Status::Suspended];
                q.lead_scope = Some(need(Permission::HandleOrders)?);
            }
            Inbox::ToReview => {
                q.statuses = vec![Status::PendingReview];
                q.lead_scope = Some(need(Permission::ReviewReplies)?);
            }
            Inbox::ToDispatch | Inbox::Returned => {
                need(Permission::DispatchOrders)?;
                q.statuses = vec![if inbox == Inbox::ToDispatch {
                    Status::Registered
                } else {
                    Status::Returned
                }];
            }
            Inbox::ToFollowUp => {
                need(Permission::FollowUpOrders)?;
                q.statuses = vec![Status::Replied];
            }
            Inbox::Extensions => {
                need(Permission::DecideExtensions)?;
                q.pending_extension = true;
            }
        }
        let limit = q.limit;
        let orders = self.list_orders(who, q).await?;
        // The cursor follows the unfiltered page, so filtering never ends the list early.
        let next = if orders.len() as u32 >= limit {
            orders.last().map(|o| OrderCursor::after(o, sort))
        } else {
            None
        };
        // The list query scopes by visibility; keep only what this role may act on.
        let action = match inbox {
            Inbox::ToSign => None,
            Inbox::ToHandle => Some(Action::Reply),
            Inbox::ToReview => Some(Action::Review),
            Inbox::ToDispatch | Inbox::Returned => Some(Action::Dispatch),
            Inbox::ToFollowUp => Some(Action::FollowUp),
            Inbox::Extensions => Some(Action::DecideExtension),
        };
        let orders = orders
            .into_iter()
            .filter(|o| {
                let cap = self.capacity(who, o);
                match action {
                    None => cap.lead_staff || !cap.co_units.is_empty(),
                    Some(Action::Reply) => cap.lead_staff,
                    Some(a) => available(o, &cap).contains(&a),
                }
            })
            .collect();
        Ok(InboxPage { orders, next })
    }

    /// Applies a transition. `expected_version`, when given, must be the order's version.
    #[tracing::instrument(name = "work_orders.act", skip_all, fields(id = %id))]
    pub async fn act(
        &self,
        who: &Principal,
        id: OrderId,
        cmd: ActRequest,
        expected_version: Option<u32>,
    ) -> Result<WorkOrder> {
        let o = self.get_order(who, id).await?;
        if let Some(v) = expected_version
            && v != o.version
        {
            return Err(version_conflict());
        }
        let cap = self.capacity(who, &o);
        let cmd = match cmd {
            ActRequest::Dispatch {
                lead,
                co_units,
                note,
            } => {
                let scope = who.require(Permission::ReadOrders)?;
                let lead = self.assignee(lead, &scope).await?;
                let mut co = Vec::with_capacity(co_units.len());
                for u in co_units {
                    co.push(self.assignee(u, &scope).await?);
                }
                Command::Dispatch {
                    lead,
                    co_units: co,
                    note,
                }
            }
            ActRequest::Arbitrate { lead, ruling } => {
                let scope = who.require(Permission::ReadOrders)?;
                Command::Arbitrate {
                    lead: self.assignee(lead, &scope).await?,
                    ruling,
                }
            }
            ActRequest::Other(cmd) => cmd,
        };
        let now = self.clock.now();
        let returned = match &cmd {
            Command::Return {
                reason,
                legal_basis,
                explanation,
            } => Some(match legal_basis {
                Some(b) => format!("{}：{explanation}（依据：{b}）", reason.label_zh()),
                None => format!("{}：{explanation}", reason.label_zh()),
            }),
            _ => None,
        };
        if let Command::RequestExtension { new_due, .. } = &cmd {
            self.check_extension_bound(&o, *new_due, now)?;
        }
        let cmd_action = cmd.action();
        let mut out = decide(&o, cmd, &cap, now)?;
        if matches!(cmd_action, Action::Recategorize) {
            // An order still waiting for a dispatcher gets suggestions for its new category.
            if matches!(out.order.status, Status::Registered | Status::Returned)
                && self.routing_enabled()
            {
                match self.advise_again(&out.order).await {
                    Ok(a) => out.order.routing = Some(a),
                    Err(e) => {
                        tracing::warn!(order = %o.number, error = %e, "dispatch engine failed after a new category");
                    }
                }
            }
        } else {
            self.after_routing_step(&o, &mut out, returned).await;
        }
        self.follow_clocks(&o, &mut out.order, now).await?;
        let notices = if out.order.status == Status::Replied && o.status != Status::Replied {
            let text = format!(
                "您反映的问题（工单号 {}）已办理完毕，答复已发布，可凭工单号和手机号查询。",
                out.order.number
            );
            notices_to(&out.order, "replied", &text)
        } else {
            Vec::new()
        };
        self.store
            .apply_changes(&[OrderChange {
                expected_version: o.version,
                order: out.order.clone(),
                entry: out.entry,
                notices,
                escalations: Vec::new(),
            }])
            .await?;
        self.signal_due(&out.order);
        Ok(out.order)
    }

    /// An extension adds at most the policy's `max_extension` to the later of now and the
    /// current deadline: a date in year 9999 is a typing error, not a request.
    fn check_extension_bound(
        &self,
        o: &WorkOrder,
        new_due: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let policy = self.sla.for_region(&o.region.unit_path);
        let from = o.handling_due.map_or(now, |d| d.max(now));
        let limit = policy.max_extension.deadline(&policy.calendar, from)?;
        if new_due > limit {
            let local = limit.with_timezone(&local_tz()).format("%Y-%m-%d %H:%M");
            return Err(Error::new(
                codes::WORK_ORDER_INVALID_EXTENSION,
                format!(
                    "延期后的期限不能晚于 {local}（最多延长 {}）",
                    policy.max_extension
                ),
            ));
        }
        Ok(())
    }

    /// What a dispatch or a return means for routing: a dispatch keeps the duty of the
    /// suggestion it followed; a return gets fresh advice without the returning unit.
    async fn after_routing_step(
        &self,
        o: &WorkOrder,
        out: &mut crate::work_order::Outcome,
        returned: Option<String>,
    ) {
        match out.order.status {
            Status::Dispatched if out.order.lead != o.lead || o.status != Status::Dispatched => {
                // The duty of the suggestion the dispatcher followed, if any; otherwise none.
                let duty = out.order.lead.as_ref().and_then(|l| {
                    o.routing
                        .as_ref()
                        .and_then(|a| a.suggestion_for(l.unit_id))
                        .and_then(|s| s.duty.as_ref())
                        .map(|d| d.duty_ref)
                });
                set_duty(out, duty);
            }
            Status::Returned if self.routing_enabled() => {
                let reason = returned.unwrap_or_default();
                match self.advise_after_return(o, reason).await {
                    Ok(a) => out.order.routing = Some(a),
                    Err(e) => {
                        tracing::warn!(order = %o.number, error = %e, "dispatch engine failed after a return");
                    }
                }
            }
            _ => {}
        }
    }

    /// Joins `duplicate` into `master` (并案): the duplicate closes, its callers move over.
    #[tracing::instrument(name = "work_orders.merge_orders", skip_all)]
    pub async fn merge_orders(
        &self,
        who: &Principal,
        duplicate: OrderId,
        master: OrderId,
    ) -> Result<WorkOrder> {
        if duplicate == master {
            return Err(Error::new(
                codes::WORK_ORDER_INVALID_MERGE,
                "不能与自身并案",
            ));
        }
        let dup = self.get_order(who, duplicate).await?;
        let main = self.get_order(who, master).await?;
        let now = self.clock.now();
        let mut callers = vec![crate::work_order::Caller {
            name: dup.caller_name.clone(),
            phone: dup.caller_phone.clone(),
            via_order: dup.id,
        }];
        callers.extend(dup.extra_callers.iter().cloned());
        let mut closed = decide(
            &dup,
            Command::MergeInto {
                master: main.id,
                master_number: main.number.clone(),
            },
            &self.capacity(who, &dup),
            now,
        )?;
        self.follow_clocks(&dup, &mut closed.order, now).await?;
        let grown = decide(
            &main,
            Command::Absorb {
                duplicate: dup.id,
                duplicate_number: dup.number.clone(),
                callers,
            },
            &self.capacity(who, &main),
            now,
        )?;
        let text = format!(
            "您反映的问题已与相同诉求合并办理，请以工单号 {} 查询办理进展。",
            grown.order.number
        );
        let notices = notices_to(&grown.order, "merged", &text);
        self.store
            .apply_changes(&[
                OrderChange {
                    expected_version: dup.version,
                    order: closed.order,
                    entry: closed.entry,
                    notices: Vec::new(),
                    escalations: Vec::new(),
                },
                OrderChange {
                    expected_version: main.version,
                    order: grown.order.clone(),
                    entry: grown.entry,
                    notices,
                    escalations: Vec::new(),
                },
            ])
            .await?;
        Ok(grown.order)
    }
}

/// A registration's outcome: the order, and whether it was created now or replayed for a
/// request repeated with its idempotency key.
#[derive(Debug, Clone)]
pub struct Registration {
    pub order: WorkOrder,
    /// The tracking code (查询码) for the receipt: shown once, when the order is created.
    pub tracking_code: Option<String>,
    pub replayed: bool,
}

/// SHA-256 of the request's fields as parsed (canonical: spacing and field order of the JSON
/// do not matter), for idempotency keys.
fn request_fingerprint(new: &NewWorkOrder, region: Option<UnitId>) -> String {
    use sha2::{Digest, Sha256};
    let text = format!("{new:?}|{region:?}");
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A transition as the API asks for it: units by id, resolved and checked by the service.
#[derive(Debug, Clone)]
pub enum ActRequest {
    Dispatch {
        lead: UnitId,
        co_units: Vec<UnitId>,
        note: Option<String>,
    },
    Arbitrate {
        lead: UnitId,
        ruling: String,
    },
    Other(Command),
}

/// The actor recorded for what the system does on its own (automatic dispatch).
pub(crate) const SYSTEM_USER: jiceng_kernel::ids::UserId =
    jiceng_kernel::ids::UserId(uuid::Uuid::nil());

/// One notice for each phone attached to the order.
fn notices_to(o: &WorkOrder, kind: &str, text: &str) -> Vec<crate::work_order::Notice> {
    o.caller_phones()
        .into_iter()
        .map(|phone| crate::work_order::Notice {
            order_id: o.id,
            kind: kind.to_owned(),
            phone,
            text: text.to_owned(),
        })
        .collect()
}

pub fn version_conflict() -> Error {
    Error::new(
        codes::WORK_ORDER_VERSION_CONFLICT,
        "工单已被他人处理，请刷新后重试",
    )
}

/// The order number a new order will get for `seq` today (exposed for tests and tools).
pub fn number_for(now: chrono::DateTime<chrono::Utc>, seq: u64) -> String {
    order_number(now, local_tz(), seq)
}

impl Orders {
    /// Attaches a photo or document to an open order: for whoever registered it or works on it.
    #[tracing::instrument(name = "work_orders.add_attachment", skip_all)]
    pub async fn add_attachment(
        &self,
        who: &Principal,
        order: OrderId,
        content_type: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Result<crate::work_order::attachment::Attachment> {
        use crate::work_order::attachment::{MAX_ATTACHMENTS_PER_ORDER, check_upload};
        let o = self.get_order(who, order).await?;
        if o.status.is_final() {
            return Err(Error::new(
                codes::WORK_ORDER_CLOSED,
                format!("工单已{}，不能再添加附件", o.status.label_zh()),
            ));
        }
        let cap = self.capacity(who, &o);
        let involved = o.created_by == who.user_id
            || cap.dispatcher
            || cap.operator
            || cap.lead_staff
            || !cap.co_units.is_empty();
        if !involved {
            return Err(Error::forbidden("只有受理人和办理人员可以添加附件"));
        }
        let now = self.clock.now();
        let meta = check_upload(
            content_type,
            filename,
            bytes,
            o.id,
            jiceng_kernel::ids::AttachmentId::new_at(now),
            who.user_id,
            now,
        )?;
        self.store
            .insert_attachment(&meta, bytes, MAX_ATTACHMENTS_PER_ORDER)
            .await?;
        Ok(meta)
    }

    #[tracing::instrument(name = "work_orders.list_attachments", skip_all)]
    pub async fn list_attachments(
        &self,
        who: &Principal,
        order: OrderId,
    ) -> Result<Vec<crate::work_order::attachment::Attachment>> {
        self.get_order(who, order).await?;
        self.store.list_attachments(order).await
    }

    #[tracing::instrument(name = "work_orders.get_attachment", skip_all, fields(id = %id))]
    pub async fn get_attachment(
        &self,
        who: &Principal,
        order: OrderId,
        id: jiceng_kernel::ids::AttachmentId,
    ) -> Result<(crate::work_order::attachment::Attachment, Vec<u8>)> {
        self.get_order(who, order).await?;
        self.store
            .get_attachment(order, id)
            .await?
            .ok_or_else(|| Error::new(codes::ATTACHMENT_NOT_FOUND, "附件不存在"))
    }
}

/// Whether `o` is the caller's own demand, filed by them as a citizen. Lists and the answers
/// to transitions show contact data in full only then; staff open the order itself to see it,
/// and that read is recorded.
pub fn filed_by(who: &Principal, o: &WorkOrder) -> bool {
    o.created_by == who.user_id && who.holds(Permission::ActOnOwnOrders)
}

/// Records the duty an order is dispatched under, on the order and in the history entry.
fn set_duty(out: &mut crate::work_order::Outcome, duty: Option<crate::duty::DutyRef>) {
    out.order.duty = duty;
    if let (Some(d), Some(p)) = (duty, out.entry.payload.as_object_mut()) {
        p.insert("duty".into(), serde_json::json!(d));
    }
}
