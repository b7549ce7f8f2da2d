//! Reading orders: one order and its history, lists, and the role inboxes.

use super::order_not_found;
use crate::ports::OrderQuery;
use crate::use_cases::Orders;
use crate::work_order::machine::{Action, available};
use crate::work_order::{OrderCursor, OrderSort, Status, WorkOrder};
use jiceng_kernel::access::{Permission, Principal};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::page_size;

/// Most rows of an export of a list.
pub const EXPORT_MAX_ROWS: usize = 10_000;

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
    #[tracing::instrument(name = "work_orders.get_order", skip_all, fields(id = %id))]
    pub async fn get_order(&self, who: &Principal, id: OrderId) -> Result<WorkOrder> {
        let o = self
            .find_order(&who.counties(), id)
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
        let o = self.get_order(who, id).await?;
        self.store.order_history(o.county(), id).await
    }

    /// The order `id` in the first of `counties` that holds it (a caller's counties: one,
    /// unless the caller holds roles in several).
    pub async fn find_order(
        &self,
        counties: &[jiceng_kernel::ids::CountyId],
        id: OrderId,
    ) -> Result<Option<WorkOrder>> {
        for c in counties {
            if let Some(o) = self.store.get_order(*c, id).await? {
                return Ok(Some(o));
            }
        }
        Ok(None)
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
            q.counties = who.counties();
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

    /// The whole of a filtered list for a spreadsheet, up to [`EXPORT_MAX_ROWS`], read page
    /// by page in the list's order from the query's cursor. Staff only: an export is a read
    /// of the jurisdiction's orders, which citizens do not have.
    #[tracing::instrument(name = "work_orders.export_orders", skip_all)]
    pub async fn export_orders(&self, who: &Principal, q: OrderQuery) -> Result<Vec<WorkOrder>> {
        who.require(Permission::ReadOrders)?;
        let mut q = OrderQuery {
            limit: page_size(Some(u32::MAX)),
            ..q
        };
        let mut out: Vec<WorkOrder> = Vec::new();
        while out.len() < EXPORT_MAX_ROWS {
            let page = self.list_orders(who, q.clone()).await?;
            let last_page = (page.len() as u32) < q.limit;
            q.cursor = page.last().map(|o| OrderCursor::after(o, q.sort));
            out.extend(page);
            if last_page || q.cursor.is_none() {
                break;
            }
        }
        out.truncate(EXPORT_MAX_ROWS);
        Ok(out)
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
}
