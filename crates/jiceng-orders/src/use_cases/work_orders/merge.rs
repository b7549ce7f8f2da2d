//! Merging duplicates (并案).

use super::notices_to;
use crate::effects::Effects;
use crate::use_cases::Orders;
use crate::work_order::{Command, WorkOrder, decide};
use jiceng_kernel::access::Principal;
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::OrderId;

impl Orders {
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
        let mut effects = Effects::new(now);
        effects
            .change_order(dup.version, closed.order, closed.entry)
            .change_order(main.version, grown.order.clone(), grown.entry);
        effects.notices = notices;
        self.store.commit(&effects).await?;
        Ok(grown.order)
    }
}
