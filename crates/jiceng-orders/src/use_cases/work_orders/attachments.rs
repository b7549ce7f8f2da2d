//! Photos and documents attached to orders.

use crate::use_cases::Orders;
use jiceng_kernel::access::Principal;
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::OrderId;

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
            .insert_attachment(o.county(), &meta, bytes, MAX_ATTACHMENTS_PER_ORDER)
            .await?;
        Ok(meta)
    }

    #[tracing::instrument(name = "work_orders.list_attachments", skip_all)]
    pub async fn list_attachments(
        &self,
        who: &Principal,
        order: OrderId,
    ) -> Result<Vec<crate::work_order::attachment::Attachment>> {
        let o = self.get_order(who, order).await?;
        self.store.list_attachments(o.county(), order).await
    }

    #[tracing::instrument(name = "work_orders.get_attachment", skip_all, fields(id = %id))]
    pub async fn get_attachment(
        &self,
        who: &Principal,
        order: OrderId,
        id: jiceng_kernel::ids::AttachmentId,
    ) -> Result<(crate::work_order::attachment::Attachment, Vec<u8>)> {
        let o = self.get_order(who, order).await?;
        self.store
            .get_attachment(o.county(), order, id)
            .await?
            .ok_or_else(|| Error::new(codes::ATTACHMENT_NOT_FOUND, "附件不存在"))
    }
}
