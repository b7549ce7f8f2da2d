//! Reading orders: one order and its history, lists, and the role inboxes.

use super::{order_not_found, paths_of};
use crate::access::{Permission, Principal};
use crate::error::codes;
use crate::error::{Error, Result};
use crate::ids::OrderId;
use crate::org::UnitPath;
use crate::ports::OrderQuery;
use crate::services::{Services, page_size};
use crate::user::Role;
use crate::work_order::machine::{Action, available};
use crate::work_order::{OrderCursor, OrderSort, Status, WorkOrder};

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

impl Services {
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
        if who.is_staff() {
            q.scope = who.require(Permission::ReadOrders)?.roots;
        } else {
            who.require(Permission::RegisterOrders)?;
            q.scope = Vec::new();
            q.created_by = Some(who.user_id);
        }
        if let Some(t) = &q.text {
            q.text =
                crate::text::clean_opt(Some(t), "搜索词", 100, codes::WORK_ORDER_INVALID_QUERY)?;
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
        let staff = paths_of(who, &[Role::UnitHandler, Role::UnitLeader]);
        let mut q = OrderQuery {
            sort,
            cursor,
            limit: page_size(limit),
            ..Default::default()
        };
        let need = |p: Vec<UnitPath>| {
            if p.is_empty() {
                Err(Error::forbidden("您的角色没有此待办列表"))
            } else {
                Ok(p)
            }
        };
        match inbox {
            Inbox::ToSign => {
                q.to_sign_scope = Some(need(staff)?);
            }
            Inbox::ToHandle => {
                q.statuses = vec![Status::Handling, Status::Suspended];
                q.lead_scope = Some(need(staff)?);
            }
            Inbox::ToReview => {
                q.statuses = vec![Status::PendingReview];
                q.lead_scope = Some(need(paths_of(who, &[Role::UnitLeader]))?);
            }
            Inbox::ToDispatch | Inbox::Returned => {
                need(paths_of(who, &[Role::Dispatcher, Role::Administrator]))?;
                q.statuses = vec![if inbox == Inbox::ToDispatch {
                    Status::Registered
                } else {
                    Status::Returned
                }];
            }
            Inbox::ToFollowUp => {
                need(paths_of(who, &[Role::HotlineOperator, Role::Dispatcher]))?;
                q.statuses = vec![Status::Replied];
            }
            Inbox::Extensions => {
                need(paths_of(who, &[Role::Supervisor]))?;
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
}
