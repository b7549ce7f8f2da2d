use crate::pool::{SqlStore, db_err};
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{AttachmentId, CountyId, OrderId, UserId};
use jiceng_orders::ports::AttachmentStore;
use jiceng_orders::work_order::attachment::Attachment;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    order_id: Uuid,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    uploaded_by: Uuid,
    created_at: i64,
}

impl Row {
    fn into_meta(self) -> Attachment {
        Attachment {
            id: AttachmentId(self.id),
            order_id: OrderId(self.order_id),
            filename: self.filename,
            content_type: self.content_type,
            size: self.size.max(0) as u64,
            sha256: self.sha256,
            uploaded_by: UserId(self.uploaded_by),
            created_at: from_micros(self.created_at),
        }
    }
}

#[async_trait]
impl AttachmentStore for SqlStore {
    #[tracing::instrument(name = "store.attachment.insert_attachment", skip_all)]
    async fn insert_attachment(
        &self,
        county: CountyId,
        m: &Attachment,
        data: &[u8],
        max: usize,
    ) -> Result<()> {
        on_write!(self, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM attachments WHERE county_id = $1 AND order_id = $2",
            )
            .bind(county.0)
            .bind(m.order_id.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
            if n >= max as i64 {
                return Err(Error::new(
                    codes::ATTACHMENT_TOO_MANY,
                    format!("每个工单最多 {max} 个附件"),
                ));
            }
            sqlx::query(
                "INSERT INTO attachments (id, order_id, filename, content_type, size, sha256, data, uploaded_by, created_at, county_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(m.id.0)
            .bind(m.order_id.0)
            .bind(&m.filename)
            .bind(&m.content_type)
            .bind(m.size as i64)
            .bind(&m.sha256)
            .bind(data)
            .bind(m.uploaded_by.0)
            .bind(micros(m.created_at))
            .bind(county.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            tx.commit().await.map_err(db_err)
        })
    }

    #[tracing::instrument(name = "store.attachment.list_attachments", skip_all)]
    async fn list_attachments(&self, county: CountyId, order: OrderId) -> Result<Vec<Attachment>> {
        let rows: Vec<Row> = on_read!(self, |p| {
            sqlx::query_as(
            "SELECT id, order_id, filename, content_type, size, sha256, uploaded_by, created_at \
             FROM attachments WHERE county_id = $1 AND order_id = $2 ORDER BY id"
        )
        .bind(county.0)
        .bind(order.0)
        .fetch_all(p)
        .await
        })
        .map_err(db_err)?;
        Ok(rows.into_iter().map(Row::into_meta).collect())
    }

    #[tracing::instrument(name = "store.attachment.get_attachment", skip_all, fields(id = %id))]
    async fn get_attachment(
        &self,
        county: CountyId,
        order: OrderId,
        id: AttachmentId,
    ) -> Result<Option<(Attachment, Vec<u8>)>> {
        let row: Option<Row> = on_read!(self, |p| {
            sqlx::query_as(
            "SELECT id, order_id, filename, content_type, size, sha256, uploaded_by, created_at \
             FROM attachments WHERE county_id = $1 AND order_id = $2 AND id = $3"
        )
        .bind(county.0)
        .bind(order.0)
        .bind(id.0)
        .fetch_optional(p)
        .await
        })
        .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let data: Vec<u8> = on_read!(self, |p| sqlx::query_scalar(
            "SELECT data FROM attachments WHERE county_id = $1 AND id = $2"
        )
        .bind(county.0)
        .bind(id.0)
        .fetch_one(p)
        .await)
        .map_err(db_err)?;
        Ok(Some((row.into_meta(), data)))
    }
}
